package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// Admins added in the chat with /admins; those of TAVAN_ADMINS are configuration and never stored.
// A per-user bucket: an admin who deletes their data (/deleteme) gives up the role with it.
var bucketAdmins = userBucket("admins") // user id (8) → Admin

// Admin is a program staff member added by another admin.
type Admin struct {
	ID      int64     `json:"id"`
	AddedBy int64     `json:"by"`
	Added   time.Time `json:"at"`
}

// IsAdmin reports whether id was added as an admin; one short read transaction, cheap enough to check on
// every admin request.
func (db *DB) IsAdmin(id int64) bool {
	found := false
	_ = db.View(func(tx *Tx) error {
		found = tx.tx.Bucket(bucketAdmins).Get(itob(id)) != nil
		return nil
	})
	return found
}

// AddAdmin stores id as an admin added by by; adding an existing admin changes nothing.
func (tx *Tx) AddAdmin(id, by int64) (added bool, err error) {
	b := tx.tx.Bucket(bucketAdmins)
	if b.Get(itob(id)) != nil {
		return false, nil
	}
	v, err := json.Marshal(Admin{ID: id, AddedBy: by, Added: tx.now})
	if err != nil {
		return false, err
	}
	return true, b.Put(itob(id), v)
}

// RemoveAdmin removes a stored admin; removed is false if id was not one.
func (tx *Tx) RemoveAdmin(id int64) (removed bool, err error) {
	b := tx.tx.Bucket(bucketAdmins)
	if b.Get(itob(id)) == nil {
		return false, nil
	}
	return true, b.Delete(itob(id))
}

// Admins lists the stored admins by id.
func (tx *Tx) Admins() ([]Admin, error) {
	var out []Admin
	err := tx.tx.Bucket(bucketAdmins).ForEach(func(k, v []byte) error {
		var a Admin
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("decode admin %x: %w", k, err)
		}
		out = append(out, a)
		return nil
	})
	return out, err
}
