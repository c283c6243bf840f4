package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The consultants club: consultants and their invites, consultations (a learner's request, then the live
// session a consultant took), the message-id links that keep replies in context while relaying, and the
// club's settings and figures. Message contents are never stored here, except transcript lines when an
// admin switched transcripts on (with a retention period).
var (
	bucketConsultants     = userBucket("consultants")         // consultant id (8) → Consultant
	bucketConsultSessions = userBucket("consultant_sessions") // consultant id (8) + consultation id (8): the open sessions they hold
	bucketClubLearners    = userBucket("club_learners")       // learner id (8) → ClubLearner
	bucketConsultations   = userBucket("consultations")       // learner id (8) + consultation id (8) → Consultation
	bucketTranscripts     = userBucket("consult_transcripts") // learner id (8) + consultation id (8) + seq (8) → TranscriptLine
	bucketConsultIndex    = bucket("consultation_index")      // consultation id (8) → learner id (8); its sequence numbers sessions
	bucketConsultLive     = bucket("consultations_live")      // consultation id (8): waiting and open ones, the sweep's whole work list
	bucketRelayLinks      = bucket("relay_links")             // consultation id (8) + side (1) + message id (8) → the copy's id on the other side (8)
	bucketInvites         = bucket("consultant_invites")      // token → Invite
	bucketClubBars        = bucket("club_bars")               // learner id (8) → Bar; kept after /deleteme so a bar cannot be shed
	bucketAbuseReports    = bucket("abuse_reports")           // id (8) → AbuseReport
	bucketClubMeta        = bucket("club_meta")               // "settings" → ClubSettings, "stats" → ClubStats
)

// Consultant states. A consultant record exists from the moment an invite is redeemed.
const (
	ConsultantActive    = "active"    // available: gets offers
	ConsultantAway      = "away"      // gets no offers; keeps their open sessions
	ConsultantSuspended = "suspended" // barred by an admin from taking requests
)

// Consultant is a member of the consultants club. Learners see Name, Topics, Bio, Hours and the rating;
// never the consultant's Telegram account.
type Consultant struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name,omitempty"` // the display name learners see
	Topics      []string  `json:"topics,omitempty"`
	Bio         string    `json:"bio,omitempty"`
	Hours       string    `json:"hours,omitempty"` // weekly availability, as the consultant wrote it
	Status      string    `json:"st"`
	ProfileDone bool      `json:"done,omitempty"`
	Joined      time.Time `json:"joined"`
	InvitedBy   int64     `json:"by,omitempty"`
	Current     uint64    `json:"cur,omitempty"` // the session their messages go to
	Sessions    int       `json:"n,omitempty"`   // sessions taken
	RatingSum   int       `json:"rsum,omitempty"`
	RatingCount int       `json:"rn,omitempty"`
}

// Available reports whether the consultant gets offers.
func (c *Consultant) Available() bool { return c.Status == ConsultantActive && c.ProfileDone }

// Consultant loads a consultant; ErrNotFound if id is not one.
func (tx *Tx) Consultant(id int64) (*Consultant, error) {
	v := tx.tx.Bucket(bucketConsultants).Get(itob(id))
	if v == nil {
		return nil, ErrNotFound
	}
	var c Consultant
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, fmt.Errorf("decode consultant %d: %w", id, err)
	}
	return &c, nil
}

// PutConsultant saves a consultant.
func (tx *Tx) PutConsultant(c *Consultant) error {
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return tx.tx.Bucket(bucketConsultants).Put(itob(c.ID), v)
}

// DeleteConsultant removes a consultant and their session index (the sessions themselves are closed by
// the caller).
func (tx *Tx) DeleteConsultant(id int64) error {
	if err := tx.tx.Bucket(bucketConsultants).Delete(itob(id)); err != nil {
		return err
	}
	return deletePrefix(tx.tx.Bucket(bucketConsultSessions), itob(id))
}

// EachConsultant calls fn for every consultant in id order.
func (tx *Tx) EachConsultant(fn func(*Consultant) error) error {
	return tx.tx.Bucket(bucketConsultants).ForEach(func(k, v []byte) error {
		var c Consultant
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("decode consultant %d: %w", btoi(k), err)
		}
		return fn(&c)
	})
}

// ConsultantSessions lists the ids of the open sessions a consultant holds, oldest first.
func (tx *Tx) ConsultantSessions(consultantID int64) []uint64 {
	var ids []uint64
	prefix := itob(consultantID)
	c := tx.tx.Bucket(bucketConsultSessions).Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		ids = append(ids, binary.BigEndian.Uint64(k[8:]))
	}
	return ids
}

// Invite is a one-time link that makes whoever opens it a consultant.
type Invite struct {
	Token     string    `json:"token"`
	CreatedBy int64     `json:"by"`
	Created   time.Time `json:"t"`
	Expires   time.Time `json:"exp"`
	UsedBy    int64     `json:"used_by,omitempty"`
	Used      time.Time `json:"used,omitzero"`
}

// ErrInviteInvalid covers unknown, used and expired invites alike: the person holding one learns nothing
// about which it is.
var ErrInviteInvalid = errors.New("invite is unknown, used or expired")

// PutInvite stores a new invite.
func (tx *Tx) PutInvite(inv *Invite) error {
	v, err := json.Marshal(inv)
	if err != nil {
		return err
	}
	return tx.tx.Bucket(bucketInvites).Put([]byte(inv.Token), v)
}

// RedeemInvite marks the invite used by userID, once.
func (tx *Tx) RedeemInvite(token string, userID int64) (*Invite, error) {
	v := tx.tx.Bucket(bucketInvites).Get([]byte(token))
	if v == nil {
		return nil, ErrInviteInvalid
	}
	var inv Invite
	if err := json.Unmarshal(v, &inv); err != nil {
		return nil, fmt.Errorf("decode invite: %w", err)
	}
	if inv.UsedBy != 0 || !tx.now.Before(inv.Expires) {
		return nil, ErrInviteInvalid
	}
	inv.UsedBy, inv.Used = userID, tx.now
	return &inv, tx.PutInvite(&inv)
}

// PruneInvites forgets invites that expired before now; it returns how many.
func (tx *Tx) PruneInvites(now time.Time) (int, error) {
	b := tx.tx.Bucket(bucketInvites)
	var old [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var inv Invite
		if json.Unmarshal(v, &inv) != nil || inv.Expires.Before(now) {
			old = append(old, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(old), nil
}

// Consultation states: a request waits in the queue until a consultant takes it; the session is then
// open until either side ends it (or it idles out).
const (
	ConsultWaiting   = "waiting"
	ConsultOpen      = "open"
	ConsultClosed    = "closed"
	ConsultCancelled = "cancelled"
)

// Consultation is one request and the session that follows it. Its ID is the session number people see.
type Consultation struct {
	ID          uint64    `json:"id"`
	LearnerID   int64     `json:"l"`
	Topic       string    `json:"topic"`
	QuestionMsg int       `json:"q"` // the question's message id in the learner's chat: copied, never stored
	Status      string    `json:"st"`
	Created     time.Time `json:"t"`

	Level     int       `json:"lvl,omitempty"` // 0: offered to matching consultants; 1: to every available one
	Offline   bool      `json:"off,omitempty"` // nobody was available: a ticket for the first consultant back
	OfferedAt time.Time `json:"ot,omitzero"`
	Offers    []Offer   `json:"offers,omitempty"`

	ConsultantID int64     `json:"c,omitempty"`
	Claimed      time.Time `json:"ct,omitzero"`
	LastActive   time.Time `json:"at,omitzero"`
	Transcript   bool      `json:"tr,omitempty"` // transcripts were on when the session began: its lines are kept
	Shared       bool      `json:"shared,omitempty"`
	Relayed      int       `json:"n,omitempty"`

	Closed      time.Time `json:"closed,omitzero"`
	ClosedBy    string    `json:"by,omitempty"` // learner, consultant, idle, admin, gone
	Rating      int       `json:"r,omitempty"`
	Comment     string    `json:"com,omitempty"` // the learner's feedback on the session, for the program
	SummarySent bool      `json:"sum,omitempty"`
	Reported    bool      `json:"rep,omitempty"`
}

// Offer is one consultant's card for a waiting request. Pending offers were decided but their card is not
// known to be sent yet (the sweep sends them again after a crash).
type Offer struct {
	ConsultantID int64     `json:"c"`
	Card         int       `json:"card,omitempty"` // the card's message id in the consultant's chat
	Copy         int       `json:"copy,omitempty"` // the copied question above it
	Sent         time.Time `json:"t,omitzero"`     // when the card was sent (Telegram deletes only messages under 48 hours old)
	Pending      bool      `json:"p,omitempty"`
}

// Offered reports whether consultantID already has an offer of c.
func (c *Consultation) Offered(consultantID int64) bool {
	for _, o := range c.Offers {
		if o.ConsultantID == consultantID {
			return true
		}
	}
	return false
}

// Live reports whether the consultation is waiting or open.
func (c *Consultation) Live() bool { return c.Status == ConsultWaiting || c.Status == ConsultOpen }

func consultationKey(learnerID int64, id uint64) []byte {
	return binary.BigEndian.AppendUint64(itob(learnerID), id)
}

func idKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// AddConsultation numbers and stores a new consultation.
func (tx *Tx) AddConsultation(c *Consultation) error {
	idx := tx.tx.Bucket(bucketConsultIndex)
	seq, err := idx.NextSequence()
	if err != nil {
		return err
	}
	c.ID = seq
	c.Created = tx.now
	if err := idx.Put(idKey(seq), itob(c.LearnerID)); err != nil {
		return err
	}
	return tx.PutConsultation(c)
}

// Consultation loads a consultation by its number; ErrNotFound if there is none (or its learner deleted
// their data).
func (tx *Tx) Consultation(id uint64) (*Consultation, error) {
	l := tx.tx.Bucket(bucketConsultIndex).Get(idKey(id))
	if l == nil {
		return nil, ErrNotFound
	}
	v := tx.tx.Bucket(bucketConsultations).Get(consultationKey(btoi(l), id))
	if v == nil {
		return nil, ErrNotFound
	}
	var c Consultation
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, fmt.Errorf("decode consultation %d: %w", id, err)
	}
	return &c, nil
}

// PutConsultation saves c and keeps its indexes in step: the live list, the consultant's open sessions,
// and the relay links, which are dropped when the session ends.
func (tx *Tx) PutConsultation(c *Consultation) error {
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := tx.tx.Bucket(bucketConsultations).Put(consultationKey(c.LearnerID, c.ID), v); err != nil {
		return err
	}
	live := tx.tx.Bucket(bucketConsultLive)
	if c.Live() {
		err = live.Put(idKey(c.ID), nil)
	} else {
		err = live.Delete(idKey(c.ID))
	}
	if err != nil {
		return err
	}
	if c.ConsultantID != 0 {
		k := binary.BigEndian.AppendUint64(itob(c.ConsultantID), c.ID)
		if c.Status == ConsultOpen {
			err = tx.tx.Bucket(bucketConsultSessions).Put(k, nil)
		} else {
			err = tx.tx.Bucket(bucketConsultSessions).Delete(k)
		}
		if err != nil {
			return err
		}
	}
	if !c.Live() {
		return deletePrefix(tx.tx.Bucket(bucketRelayLinks), idKey(c.ID))
	}
	return nil
}

// deleteUserConsultations removes what names a learner by consultation number (the number → learner
// index, the live list, the relay links) before /deleteme clears the learner-keyed buckets. The
// consultant's own list keeps the number, so that their next message there is told the session is gone.
func (tx *Tx) deleteUserConsultations(learnerID int64) error {
	prefix := itob(learnerID)
	var ids []uint64
	c := tx.tx.Bucket(bucketConsultations).Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) == 16 {
			ids = append(ids, binary.BigEndian.Uint64(k[8:]))
		}
	}
	for _, id := range ids {
		if err := tx.tx.Bucket(bucketConsultIndex).Delete(idKey(id)); err != nil {
			return err
		}
		if err := tx.DropLive(id); err != nil {
			return err
		}
		if err := deletePrefix(tx.tx.Bucket(bucketRelayLinks), idKey(id)); err != nil {
			return err
		}
	}
	return nil
}

// DropLive removes an id from the live list (its record is gone: the learner deleted their data).
func (tx *Tx) DropLive(id uint64) error { return tx.tx.Bucket(bucketConsultLive).Delete(idKey(id)) }

// DropConsultantSession removes a session from a consultant's list (its record is gone).
func (tx *Tx) DropConsultantSession(consultantID int64, id uint64) error {
	return tx.tx.Bucket(bucketConsultSessions).Delete(binary.BigEndian.AppendUint64(itob(consultantID), id))
}

// LiveConsultations lists the waiting and open consultations' ids in order: O(live), not O(history).
func (tx *Tx) LiveConsultations() []uint64 {
	var ids []uint64
	c := tx.tx.Bucket(bucketConsultLive).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		ids = append(ids, binary.BigEndian.Uint64(k))
	}
	return ids
}

// LearnerConsultations lists a learner's consultations, oldest first.
func (tx *Tx) LearnerConsultations(learnerID int64) ([]Consultation, error) {
	var out []Consultation
	prefix := itob(learnerID)
	c := tx.tx.Bucket(bucketConsultations).Cursor()
	for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		var cons Consultation
		if err := json.Unmarshal(v, &cons); err != nil {
			return nil, err
		}
		out = append(out, cons)
	}
	return out, nil
}

// ErrTaken means a consultation is no longer waiting: someone took it, or the learner cancelled.
var ErrTaken = errors.New("consultation is no longer waiting")

// ClaimConsultation gives a waiting consultation to consultantID: the check and the change happen in
// this one transaction, so of any number of simultaneous claims exactly one succeeds.
func (tx *Tx) ClaimConsultation(id uint64, consultantID int64) (*Consultation, error) {
	c, err := tx.Consultation(id)
	if err != nil {
		return nil, err
	}
	if c.Status != ConsultWaiting {
		return c, ErrTaken
	}
	c.Status, c.ConsultantID, c.Claimed, c.LastActive = ConsultOpen, consultantID, tx.now, tx.now
	return c, tx.PutConsultation(c)
}

// Relay link sides: which chat a message id belongs to.
const (
	SideLearner    byte = 'l'
	SideConsultant byte = 'c'
)

func relayKey(id uint64, side byte, msgID int) []byte {
	k := append(idKey(id), side)
	return binary.BigEndian.AppendUint64(k, uint64(msgID))
}

// PutRelayLink records that message msgID on side became peerID on the other side (both directions are
// recorded by the caller), so that a reply to either keeps its context.
func (tx *Tx) PutRelayLink(id uint64, side byte, msgID, peerID int) error {
	return tx.tx.Bucket(bucketRelayLinks).Put(relayKey(id, side, msgID), itob(int64(peerID)))
}

// RelayLink is the other side's id of message msgID, or 0.
func (tx *Tx) RelayLink(id uint64, side byte, msgID int) int {
	v := tx.tx.Bucket(bucketRelayLinks).Get(relayKey(id, side, msgID))
	if len(v) != 8 {
		return 0
	}
	return int(btoi(v))
}

// ClubLearner is a learner's standing in the club: the consultation they have going and today's count.
type ClubLearner struct {
	Current uint64 `json:"cur,omitempty"` // a waiting or open consultation; one at a time
	// The daily request count is a flood counter (flood.go), which /deleteme does not reset.
}

// ClubLearner reads a learner's club record (the zero value if none).
func (tx *Tx) ClubLearner(id int64) ClubLearner {
	var l ClubLearner
	if v := tx.tx.Bucket(bucketClubLearners).Get(itob(id)); v != nil {
		_ = json.Unmarshal(v, &l) // a damaged record reads as a fresh one
	}
	return l
}

// PutClubLearner saves a learner's club record.
func (tx *Tx) PutClubLearner(id int64, l ClubLearner) error {
	v, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return tx.tx.Bucket(bucketClubLearners).Put(itob(id), v)
}

// Bar keeps a learner out of the club.
type Bar struct {
	By int64     `json:"by"`
	At time.Time `json:"t"`
}

// Barred reports whether a learner is barred from the club.
func (tx *Tx) Barred(id int64) bool { return tx.tx.Bucket(bucketClubBars).Get(itob(id)) != nil }

// PutBar bars a learner.
func (tx *Tx) PutBar(id int64, b Bar) error {
	v, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return tx.tx.Bucket(bucketClubBars).Put(itob(id), v)
}

// DeleteBar lets a learner back in.
func (tx *Tx) DeleteBar(id int64) error { return tx.tx.Bucket(bucketClubBars).Delete(itob(id)) }

// AbuseReport is a consultant's report about a learner in a session.
type AbuseReport struct {
	ID             uint64    `json:"id"`
	ConsultationID uint64    `json:"s"`
	ConsultantID   int64     `json:"c"`
	LearnerID      int64     `json:"l"`
	Reason         string    `json:"why"` // what the consultant wrote for the admins
	At             time.Time `json:"t"`
}

// AddAbuseReport stores a report and numbers it.
func (tx *Tx) AddAbuseReport(r *AbuseReport) error {
	b := tx.tx.Bucket(bucketAbuseReports)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	r.ID, r.At = seq, tx.now
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return b.Put(idKey(seq), v)
}

// CountAbuseReports is the number of reports ever made.
func (tx *Tx) CountAbuseReports() int { return tx.tx.Bucket(bucketAbuseReports).Stats().KeyN }

// ClubSettings are the admins' switches for the club.
type ClubSettings struct {
	TranscriptDays int `json:"tdays,omitempty"` // 0: transcripts off (the default); else kept this many days
}

// ClubStats are running totals behind /consultations.
type ClubStats struct {
	Requests int   `json:"req,omitempty"`
	Claims   int   `json:"claims,omitempty"`
	WaitSum  int64 `json:"wait,omitempty"` // nanoseconds from request to claim, summed over Claims
	Closed   int   `json:"closed,omitempty"`
	Ratings  int   `json:"ratings,omitempty"`
}

// AverageWait is the mean time from request to claim, 0 before the first claim.
func (s ClubStats) AverageWait() time.Duration {
	if s.Claims == 0 {
		return 0
	}
	return time.Duration(s.WaitSum / int64(s.Claims))
}

func (tx *Tx) getMeta(key string, v any) {
	if raw := tx.tx.Bucket(bucketClubMeta).Get([]byte(key)); raw != nil {
		_ = json.Unmarshal(raw, v) // damaged settings read as the defaults
	}
}

func (tx *Tx) putMeta(key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.tx.Bucket(bucketClubMeta).Put([]byte(key), raw)
}

// ClubSettings reads the club's settings.
func (tx *Tx) ClubSettings() ClubSettings {
	var s ClubSettings
	tx.getMeta("settings", &s)
	return s
}

// PutClubSettings saves the club's settings.
func (tx *Tx) PutClubSettings(s ClubSettings) error { return tx.putMeta("settings", s) }

// ClubStats reads the running totals.
func (tx *Tx) ClubStats() ClubStats {
	var s ClubStats
	tx.getMeta("stats", &s)
	return s
}

// AddClubStats changes the running totals.
func (tx *Tx) AddClubStats(change func(*ClubStats)) error {
	s := tx.ClubStats()
	change(&s)
	return tx.putMeta("stats", s)
}

// TranscriptLine is one relayed message, kept only while transcripts are on and for their retention.
type TranscriptLine struct {
	At     time.Time `json:"t"`
	From   byte      `json:"f"` // SideLearner or SideConsultant
	Kind   string    `json:"k"` // text, photo, voice …
	Text   string    `json:"x,omitempty"`
	FileID string    `json:"file,omitempty"`
}

// AddTranscriptLine appends a line to a session's transcript.
func (tx *Tx) AddTranscriptLine(c *Consultation, line TranscriptLine) error {
	b := tx.tx.Bucket(bucketTranscripts)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	v, err := json.Marshal(line)
	if err != nil {
		return err
	}
	return b.Put(binary.BigEndian.AppendUint64(consultationKey(c.LearnerID, c.ID), seq), v)
}

// Transcript lists a session's stored lines in order.
func (tx *Tx) Transcript(c *Consultation) []TranscriptLine {
	var out []TranscriptLine
	prefix := consultationKey(c.LearnerID, c.ID)
	cur := tx.tx.Bucket(bucketTranscripts).Cursor()
	for k, v := cur.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = cur.Next() {
		var l TranscriptLine
		if json.Unmarshal(v, &l) == nil {
			out = append(out, l)
		}
	}
	return out
}

// PruneTranscripts deletes transcript lines written before cutoff and returns how many. It reads every
// stored line, so it runs rarely (hourly), not on each sweep.
func (tx *Tx) PruneTranscripts(cutoff time.Time) (int, error) {
	b := tx.tx.Bucket(bucketTranscripts)
	var old [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var l TranscriptLine
		if json.Unmarshal(v, &l) != nil || l.At.Before(cutoff) {
			old = append(old, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(old), nil
}

// ReviewQuestions lists the question ids of userID's review cards in a Leitner box (box 1: the questions
// they keep missing).
func (tx *Tx) ReviewQuestions(userID int64, box int) []string {
	var ids []string
	prefix := itob(userID)
	c := tx.tx.Bucket(bucketReview).Cursor()
	for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		var card ReviewCard
		if json.Unmarshal(v, &card) == nil && card.Box == box {
			ids = append(ids, string(k[8:]))
		}
	}
	return ids
}

// ClubPruned is when transcripts and invites were last pruned.
func (tx *Tx) ClubPruned() time.Time {
	var t time.Time
	tx.getMeta("pruned", &t)
	return t
}

// PutClubPruned records a prune.
func (tx *Tx) PutClubPruned(t time.Time) error { return tx.putMeta("pruned", t) }
