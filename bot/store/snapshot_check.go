package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// bbolt maps the file it opens and trusts what it reads there: a page number past the end of a truncated
// file, or a damaged freelist, makes it read outside the file, which is a SIGBUS (or a read of unrelated
// memory) that no recover catches. checkBoltLayout reads the two meta pages and the freelist with
// ordinary reads first and refuses a file whose pages cannot all lie inside it; VerifySnapshot then
// reads every page with faults turned into panics, before bbolt's own check runs in its goroutine.

const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	boltPageHeader   = 16 // id u64, flags u16, count u16, overflow u32
	boltFreelistFlag = 0x10
	boltNoFreelist   = ^uint64(0)
)

type boltMeta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64 // high-water mark: pages 0..pgid-1 are in use
	txid     uint64
}

// readBoltMeta decodes and validates the meta page at off; ok is false when it is damaged.
func readBoltMeta(f io.ReaderAt, off int64) (m boltMeta, ok bool) {
	var b [boltPageHeader + 64]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		return m, false
	}
	meta := b[boltPageHeader:]
	le := binary.LittleEndian
	h := fnv.New64a()
	h.Write(meta[:56]) // every field before the checksum
	if le.Uint32(meta[0:]) != boltMagic || le.Uint32(meta[4:]) != boltVersion || h.Sum64() != le.Uint64(meta[56:]) {
		return m, false
	}
	m = boltMeta{
		pageSize: le.Uint32(meta[8:]), root: le.Uint64(meta[16:]), freelist: le.Uint64(meta[32:]),
		pgid: le.Uint64(meta[40:]), txid: le.Uint64(meta[48:]),
	}
	return m, m.pageSize >= 512 && m.pageSize <= 1<<16 && m.pageSize&(m.pageSize-1) == 0
}

// checkBoltLayout refuses a file that bbolt would read outside of.
func checkBoltLayout(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := uint64(st.Size())
	m0, ok0 := readBoltMeta(f, 0)
	var m boltMeta
	switch {
	case ok0:
		// The second meta page sits one page in, at the size the first one names.
		m1, ok1 := readBoltMeta(f, int64(m0.pageSize))
		m = m0
		if ok1 && m1.pageSize == m0.pageSize && m1.txid > m0.txid {
			m = m1
		}
	default:
		// The first page is damaged: bbolt then reads the second at the system's page size.
		m1, ok1 := readBoltMeta(f, int64(os.Getpagesize()))
		if !ok1 {
			return errors.New("no valid meta page")
		}
		m = m1
	}
	ps := uint64(m.pageSize)
	if m.pgid < 2 || m.pgid > size/ps {
		return fmt.Errorf("the file has %d bytes, its meta page says %d pages of %d", size, m.pgid, ps)
	}
	if m.root < 2 || m.root >= m.pgid {
		return fmt.Errorf("root page %d is outside the %d pages", m.root, m.pgid)
	}
	if m.freelist == boltNoFreelist {
		return nil
	}
	if m.freelist < 2 || m.freelist >= m.pgid {
		return fmt.Errorf("freelist page %d is outside the %d pages", m.freelist, m.pgid)
	}
	var hdr [boltPageHeader + 8]byte
	if _, err := f.ReadAt(hdr[:], int64(m.freelist*ps)); err != nil {
		return fmt.Errorf("freelist page: %w", err)
	}
	le := binary.LittleEndian
	id, flags, count, overflow := le.Uint64(hdr[0:]), le.Uint16(hdr[8:]), uint64(le.Uint16(hdr[10:])), uint64(le.Uint32(hdr[12:]))
	if id != m.freelist || flags != boltFreelistFlag {
		return fmt.Errorf("page %d is not a freelist", m.freelist)
	}
	if m.freelist+overflow >= m.pgid {
		return fmt.Errorf("the freelist runs past the %d pages", m.pgid)
	}
	ids := count
	if count == 0xFFFF { // the real count is the first element
		ids = le.Uint64(hdr[boltPageHeader:]) + 1
	}
	if ids > ((overflow+1)*ps-boltPageHeader)/8 {
		return fmt.Errorf("the freelist claims %d pages, more than it holds", ids)
	}
	return nil
}
