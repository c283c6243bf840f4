package bot

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"

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
func (b *Bot) maybeCertify(tx *store.Tx, u *store.User, co *lessons.Course) (string, error) {
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

func (b *Bot) announceCertificate(ctx context.Context, c *Ctx, co *lessons.Course, code string) error {
	link := "https://t.me/" + b.Username + "?start=verify_" + code
	_, err := c.Reply(ctx, c.T("CertificateIssued", "Course", htmlEscape(co.Title.In(c.Lang)), "Code", code, "Link", htmlEscape(link)), nil)
	return err
}

// handleVerify is /verify CODE: anyone can check a certificate.
func (b *Bot) handleVerify(ctx context.Context, c *Ctx) error {
	if strings.TrimSpace(c.Args) == "" {
		return c.Fail("VerifyUsage")
	}
	return b.verify(ctx, c, c.Args)
}

func (b *Bot) verify(ctx context.Context, c *Ctx, typed string) error {
	code := normalizeCertCode(typed)
	var cert *store.Certificate
	var holder *store.User
	err := b.Store.View(func(tx *store.Tx) error {
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
	name := htmlEscape(cert.Name)
	if holder != nil && holder.HideName || name == "" {
		name = c.T("NameHidden")
	}
	course := cert.CourseID
	if co := b.catalog().Course(cert.CourseID); co != nil {
		course = co.Title.In(c.Lang)
	}
	_, err = c.Reply(ctx, c.T("VerifyOK", "Name", name, "Course", htmlEscape(course), "Date", c.date(cert.Issued), "Code", code), nil)
	return err
}
