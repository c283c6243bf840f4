package learning

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

// Certificate codes are 12 characters from an alphabet without look-alikes (no 0/O, 1/I): 60 random
// bits, so codes cannot be guessed or enumerated; anyone holding one can verify it.
const (
	certAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	certLength   = 12
)

func newCertCode() string {
	buf := make([]byte, certLength)
	if _, err := rand.Read(buf); err != nil {
		panic("crypto/rand: " + err.Error()) // never happens on supported platforms
	}
	for i, v := range buf {
		buf[i] = certAlphabet[int(v)%len(certAlphabet)] // 256 is a multiple of 32: no bias
	}
	return string(buf)
}

// normalizeCertCode accepts a code typed with spaces, dashes, lower case or Persian digits.
func normalizeCertCode(s string) string {
	s = strings.ToUpper(persian.Normalize(s))
	var sb strings.Builder
	for _, r := range s {
		if strings.ContainsRune(certAlphabet, r) {
			sb.WriteRune(r)
		} else if r != ' ' && r != '-' {
			return ""
		}
	}
	if sb.Len() != certLength {
		return ""
	}
	return sb.String()
}

// maybeCertify issues the course certificate when every lesson's quiz is passed, once per course.
func (f *Feature) maybeCertify(tx *store.Tx, u *store.User, co *lessons.Course) (string, error) {
	if tx.UserCertificate(u.ID, co.ID) != "" {
		return "", nil
	}
	for _, l := range co.Lessons {
		p, err := tx.Progress(u.ID, l.ID)
		if err != nil {
			return "", err
		}
		if !p.Passed && len(l.Quiz) > 0 || p.Completed.IsZero() {
			return "", nil
		}
	}
	code := newCertCode()
	for {
		if _, err := tx.Certificate(code); errors.Is(err, store.ErrNotFound) {
			break
		}
		code = newCertCode()
	}
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	return code, tx.PutCertificate(&store.Certificate{Code: code, UserID: u.ID, CourseID: co.ID, Issued: tx.Now(), Name: name})
}

func (f *Feature) announceCertificate(ctx context.Context, c *bot.Ctx, co *lessons.Course, code string) error {
	link := f.DeepLink(verifyPrefix + code)
	_, err := c.Reply(ctx, c.T("CertificateIssued", "Course", bot.Escape(c.Content(co.Title)), "Code", code, "Link", bot.Escape(link)), nil)
	return err
}

// verifyPrefix starts the deep-link payload that verifies a certificate: t.me/<bot>?start=verify_<code>.
const verifyPrefix = "verify_"

// handleVerifyLink verifies the certificate of a deep link. Verifying a certificate is for anyone; a
// newcomer then goes on to onboarding.
func (f *Feature) handleVerifyLink(ctx context.Context, c *bot.Ctx, code string) (handled bool, err error) {
	if err := f.verify(ctx, c, code); err != nil {
		return false, err
	}
	return c.User.Onboarded, nil
}

// handleVerify is /verify CODE: anyone can check a certificate.
func (f *Feature) handleVerify(ctx context.Context, c *bot.Ctx) error {
	if strings.TrimSpace(c.Args) == "" {
		return c.Fail("VerifyUsage")
	}
	return f.verify(ctx, c, c.Args)
}

func (f *Feature) verify(ctx context.Context, c *bot.Ctx, typed string) error {
	code := normalizeCertCode(typed)
	var cert *store.Certificate
	var holder *store.User
	err := f.Store.View(func(tx *store.Tx) error {
		if code == "" {
			return store.ErrNotFound
		}
		var err error
		if cert, err = tx.Certificate(code); err != nil {
			return err
		}
		holder, _ = tx.User(cert.UserID)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return c.Fail("VerifyNotFound")
	}
	if err != nil {
		return err
	}
	name := bot.Escape(cert.Name)
	if holder != nil && holder.HideName || name == "" {
		name = c.T("NameHidden")
	}
	course := cert.CourseID
	if co := f.Content().Course(cert.CourseID); co != nil {
		course = c.Content(co.Title)
	}
	_, err = c.Reply(ctx, c.T("VerifyOK", "Name", name, "Course", bot.Escape(course), "Date", c.Date(cert.Issued), "Code", code), nil)
	return err
}
