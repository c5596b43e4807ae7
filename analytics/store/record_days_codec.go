package store

import (
	"encoding/binary"
	"errors"
	"slices"
	"time"

	"sreport/analytics"
)

// The record day blob (format 2), one per day and kind, holds the lean
// fields of the day's records in the lean loads' order (time, then id):
//
//	byte   format (2)
//	uvarint count of services, then each as a zig-zag varint delta of
//	       its id (ascending) and uvarint count of its records, so a load
//	       sizes its result, and skips a day with none of its services,
//	       before decoding
//	uvarint count of strings, then each as uvarint length and bytes
//	pages: uvarint count of responder lists, then each as a byte (0 nil,
//	       1 a list) and, for a list, uvarint length and four string
//	       indexes (role, name, e-mail, label) per responder
//	uvarint count of records, then each record: zig-zag varint deltas
//	       from the previous record of id, service id and time (unix
//	       seconds), the string indexes, a flags byte and the optional
//	       values the flags announce.
//
// Times are stored to the second, as the tables hold them; the packer
// only packs a day whose times are all in the canonical layout (a time
// that is not would not come back the same), and checks every blob it
// writes by decoding it (packDeployDay, packPageDay).
const recordDaysFormat = 2

// errBadRecordDay is a blob that does not decode: the load reads the
// records instead.
var errBadRecordDay = errors.New("store: record day blob does not decode")

const (
	deployRollback = 1 << iota
	deployHotfix
	deployCommit
	deployPerfKnown
	deployPerf
)

const (
	pageIncident = 1 << iota
	pageAck
	pageResolved
	pageAuto
	pageActionableKnown
	pageActionable
)

// dayEncoder builds one blob: a string table and the records.
type dayEncoder struct {
	index map[string]uint64
	strs  []string
	body  []byte
	prev  [3]int64 // id, service id, time of the previous record
	count map[int64]uint64
}

func (e *dayEncoder) str(s string) uint64 {
	if e.index == nil {
		e.index = map[string]uint64{}
	}
	i, ok := e.index[s]
	if !ok {
		i = uint64(len(e.strs))
		e.index[s] = i
		e.strs = append(e.strs, s)
	}
	return i
}

func (e *dayEncoder) uvarint(v uint64) { e.body = binary.AppendUvarint(e.body, v) }
func (e *dayEncoder) varint(v int64)   { e.body = binary.AppendVarint(e.body, v) }

// head writes a record's id, service id and time as deltas.
func (e *dayEncoder) head(id, service, sec int64) {
	e.varint(id - e.prev[0])
	e.varint(service - e.prev[1])
	e.varint(sec - e.prev[2])
	e.prev = [3]int64{id, service, sec}
	if e.count == nil {
		e.count = map[int64]uint64{}
	}
	e.count[service]++
}

// blob joins the format byte, the string table, extra (the pages'
// responder lists) and the records.
func (e *dayEncoder) blob(extra []byte, n int) []byte {
	out := []byte{recordDaysFormat}
	services := make([]int64, 0, len(e.count))
	for id := range e.count {
		services = append(services, id)
	}
	slices.Sort(services)
	out = binary.AppendUvarint(out, uint64(len(services)))
	prev := int64(0)
	for _, id := range services {
		out = binary.AppendVarint(out, id-prev)
		out = binary.AppendUvarint(out, e.count[id])
		prev = id
	}
	out = binary.AppendUvarint(out, uint64(len(e.strs)))
	for _, s := range e.strs {
		out = binary.AppendUvarint(out, uint64(len(s)))
		out = append(out, s...)
	}
	out = append(out, extra...)
	out = binary.AppendUvarint(out, uint64(n))
	return append(out, e.body...)
}

// encodeDeploys packs a day's deploys, given in the lean load's order.
func encodeDeploys(ds []analytics.Deploy) []byte {
	var e dayEncoder
	for _, d := range ds {
		sec := d.FinishedAt.Unix()
		e.head(d.ID, d.ServiceID, sec)
		e.uvarint(e.str(d.Source))
		e.uvarint(e.str(d.Environment))
		e.uvarint(e.str(d.Status))
		var f byte
		if d.IsRollback {
			f |= deployRollback
		}
		if d.IsHotfix {
			f |= deployHotfix
		}
		if d.CommitAt != nil {
			f |= deployCommit
		}
		if d.PerfRegression != nil {
			f |= deployPerfKnown
			if *d.PerfRegression {
				f |= deployPerf
			}
		}
		e.body = append(e.body, f)
		if d.CommitAt != nil {
			e.varint(d.CommitAt.Unix() - sec)
		}
	}
	return e.blob(nil, len(ds))
}

// responderLists is a blob's table of distinct responder lists, each
// stored once: a byte (0 nil, 1 a list) and, for a list, its length and
// four string indexes (role, name, e-mail, label) per responder.
type responderLists struct {
	index map[string]uint64 // an entry's bytes → its index
	table []byte
}

// of returns rs's index in the table, adding it if new.
func (l *responderLists) of(e *dayEncoder, rs []analytics.Responder) uint64 {
	var entry []byte
	if rs == nil {
		entry = []byte{0}
	} else {
		entry = binary.AppendUvarint([]byte{1}, uint64(len(rs)))
		for _, r := range rs {
			for _, s := range [4]string{r.Role, r.Name, r.Email, r.Label} {
				entry = binary.AppendUvarint(entry, e.str(s))
			}
		}
	}
	if l.index == nil {
		l.index = map[string]uint64{}
	}
	i, ok := l.index[string(entry)]
	if !ok {
		i = uint64(len(l.index))
		l.index[string(entry)] = i
		l.table = append(l.table, entry...)
	}
	return i
}

// bytes is the table as stored: its count, then the entries.
func (l *responderLists) bytes() []byte {
	return append(binary.AppendUvarint(nil, uint64(len(l.index))), l.table...)
}

// encodePages packs a day's pages, given in the lean load's order.
func encodePages(ps []analytics.Page) []byte {
	var e dayEncoder
	var lists responderLists
	for _, p := range ps {
		li := lists.of(&e, p.Responders)
		sec := p.TriggeredAt.Unix()
		e.head(p.ID, p.ServiceID, sec)
		e.uvarint(e.str(p.Source))
		e.uvarint(e.str(p.Responder))
		e.uvarint(li)
		var f byte
		if p.IncidentID != nil {
			f |= pageIncident
		}
		if p.AcknowledgedAt != nil {
			f |= pageAck
		}
		if p.ResolvedAt != nil {
			f |= pageResolved
		}
		if p.AutoResolved {
			f |= pageAuto
		}
		if p.Actionable != nil {
			f |= pageActionableKnown
			if *p.Actionable {
				f |= pageActionable
			}
		}
		e.body = append(e.body, f)
		if p.IncidentID != nil {
			e.varint(*p.IncidentID)
		}
		if p.AcknowledgedAt != nil {
			e.varint(p.AcknowledgedAt.Unix() - sec)
		}
		if p.ResolvedAt != nil {
			e.varint(p.ResolvedAt.Unix() - sec)
		}
	}
	return e.blob(lists.bytes(), len(ps))
}

// dayDecoder reads one blob; a malformed blob sets bad instead of
// panicking, and every read after that returns zero.
type dayDecoder struct {
	b    []byte
	bad  bool
	strs []string
	prev [3]int64
}

func (d *dayDecoder) uvarint() uint64 {
	if len(d.b) > 0 && d.b[0] < 0x80 { // most values fit one byte
		v := uint64(d.b[0])
		d.b = d.b[1:]
		return v
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dayDecoder) varint() int64 {
	if len(d.b) > 0 && d.b[0] < 0x80 {
		u := int64(d.b[0])
		d.b = d.b[1:]
		return u>>1 ^ -(u & 1) // zig-zag, as binary.Varint
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dayDecoder) byte() byte {
	if len(d.b) == 0 {
		d.bad = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *dayDecoder) str() string {
	i := d.uvarint()
	if i >= uint64(len(d.strs)) {
		d.bad = true
		return ""
	}
	return d.strs[i]
}

// start reads the format byte and the string table. The table's bytes
// become one string, which every string of the blob slices: one
// allocation per blob instead of one per distinct string (or a map
// look-up per string, as interning took), and the collector never scans
// string bytes.
func (d *dayDecoder) start() {
	d.services(nil)
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.bad = true
		return
	}
	// A first pass finds the table's end; the second slices the strings
	// out of its one copy.
	rest := d.b
	for range n {
		l := d.uvarint()
		if d.bad || l > uint64(len(d.b)) {
			d.bad = true
			return
		}
		d.b = d.b[l:]
	}
	table := string(rest[:len(rest)-len(d.b)])
	d.strs = make([]string, 0, n)
	off := 0
	for range n {
		l, k := binary.Uvarint(rest[off:])
		off += k
		d.strs = append(d.strs, table[off:off+int(l)])
		off += int(l)
	}
}

// services reads the format byte and the services' counts, and returns
// how many records there are of the services f keeps (all of them for a
// nil f), whatever their time.
func (d *dayDecoder) services(f *dayFilter) int {
	if d.byte() != recordDaysFormat {
		d.bad = true
		return 0
	}
	k := d.uvarint()
	if k > uint64(len(d.b)) {
		d.bad = true
		return 0
	}
	n, id := 0, int64(0)
	for range k {
		id += d.varint()
		c := d.uvarint()
		if f == nil || f.all || f.in[id] {
			n += int(c)
		}
	}
	return n
}

// scopeCount is how many of blob's records are of the services f keeps,
// -1 for a blob that does not decode.
func scopeCount(blob []byte, f *dayFilter) int {
	d := dayDecoder{b: blob}
	n := d.services(f)
	if d.bad {
		return -1
	}
	return n
}

func (d *dayDecoder) head() (id, service, sec int64) {
	d.prev[0] += d.varint()
	d.prev[1] += d.varint()
	d.prev[2] += d.varint()
	return d.prev[0], d.prev[1], d.prev[2]
}

// slab hands out pointers to values allocated in chunks: a load's
// optional times and flags cost an allocation per chunk, not per record.
// Each pointer is to its own element.
type slab[T any] struct{ buf []T }

func (s *slab[T]) ptr(v T) *T {
	if len(s.buf) == cap(s.buf) {
		s.buf = make([]T, 0, min(max(2*cap(s.buf), 64), 4096))
	}
	s.buf = append(s.buf, v)
	return &s.buf[len(s.buf)-1]
}

// daySlabs are one load's slabs.
type daySlabs struct {
	times slab[time.Time]
	bools slab[bool]
	ids   slab[int64]
}

// dayFilter keeps the records of a load's range [from, to) (unix
// seconds) and services (all, or those in in).
type dayFilter struct {
	from, to int64
	all      bool
	in       map[int64]bool
}

func (f *dayFilter) keep(service, sec int64) bool {
	return sec >= f.from && sec < f.to && (f.all || f.in[service])
}

// grow extends out by one zero record, to be filled in place: copying or
// zeroing a whole record costs a bulk write barrier while the collector
// runs, and the decoders' slices are only ever appended to, so the room
// past their length is still zero.
func grow[T any](out []T) []T {
	if len(out) < cap(out) {
		return out[:len(out)+1]
	}
	var zero T
	return append(out, zero)
}

func unixUTC(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// decodeDeploys appends the deploys of blob that f keeps to out.
func decodeDeploys(blob []byte, f *dayFilter, sl *daySlabs, out []analytics.Deploy) ([]analytics.Deploy, error) {
	d := dayDecoder{b: blob}
	d.start()
	n := d.uvarint()
	for i := uint64(0); i < n && !d.bad; i++ {
		id, service, sec := d.head()
		src, env, status := d.str(), d.str(), d.str()
		fl := d.byte()
		var commit int64
		if fl&deployCommit != 0 {
			commit = d.varint()
		}
		if d.bad || !f.keep(service, sec) {
			continue
		}
		out = grow(out)
		dp := &out[len(out)-1]
		dp.ID, dp.ServiceID, dp.Source, dp.Environment, dp.Status = id, service, src, env, status
		dp.FinishedAt, dp.IsRollback, dp.IsHotfix = unixUTC(sec), fl&deployRollback != 0, fl&deployHotfix != 0
		if fl&deployCommit != 0 {
			dp.CommitAt = sl.times.ptr(unixUTC(sec + commit))
		}
		if fl&deployPerfKnown != 0 {
			dp.PerfRegression = sl.bools.ptr(fl&deployPerf != 0)
		}
	}
	if d.bad || len(d.b) != 0 {
		return out, errBadRecordDay
	}
	return out, nil
}

// decodePages appends the pages of blob that f keeps to out. Pages naming
// the same responders get a copy each of the list.
func decodePages(blob []byte, f *dayFilter, sl *daySlabs, out []analytics.Page) ([]analytics.Page, error) {
	d := dayDecoder{b: blob}
	d.start()
	lists, ok := d.responderLists()
	if !ok {
		return out, errBadRecordDay
	}
	n := d.uvarint()
	for i := uint64(0); i < n && !d.bad; i++ {
		id, service, sec := d.head()
		src, resp := d.str(), d.str()
		li := d.uvarint()
		fl := d.byte()
		var inc, ack, res int64
		if fl&pageIncident != 0 {
			inc = d.varint()
		}
		if fl&pageAck != 0 {
			ack = d.varint()
		}
		if fl&pageResolved != 0 {
			res = d.varint()
		}
		if li >= uint64(len(lists)) {
			d.bad = true
		}
		if d.bad || !f.keep(service, sec) {
			continue
		}
		out = grow(out)
		p := &out[len(out)-1]
		p.ID, p.ServiceID, p.Source, p.Responder = id, service, src, resp
		p.TriggeredAt, p.AutoResolved = unixUTC(sec), fl&pageAuto != 0
		p.Responders = copyResponders(lists[li])
		if fl&pageIncident != 0 {
			p.IncidentID = sl.ids.ptr(inc)
		}
		if fl&pageAck != 0 {
			p.AcknowledgedAt = sl.times.ptr(unixUTC(sec + ack))
		}
		if fl&pageResolved != 0 {
			p.ResolvedAt = sl.times.ptr(unixUTC(sec + res))
		}
		if fl&pageActionableKnown != 0 {
			p.Actionable = sl.bools.ptr(fl&pageActionable != 0)
		}
	}
	if d.bad || len(d.b) != 0 {
		return out, errBadRecordDay
	}
	return out, nil
}

// responderLists reads a blob's table of responder lists; not ok for a
// table that does not decode.
func (d *dayDecoder) responderLists() ([][]analytics.Responder, bool) {
	ln := d.uvarint()
	if ln > uint64(len(d.b)) {
		return nil, false
	}
	lists := make([][]analytics.Responder, 0, ln)
	for i := uint64(0); i < ln && !d.bad; i++ {
		if d.byte() == 0 {
			lists = append(lists, nil)
			continue
		}
		k := d.uvarint()
		if k > uint64(len(d.b)) {
			return nil, false
		}
		rs := make([]analytics.Responder, 0, k)
		for range k {
			rs = append(rs, analytics.Responder{Role: d.str(), Name: d.str(), Email: d.str(), Label: d.str()})
		}
		lists = append(lists, rs)
	}
	return lists, !d.bad
}

// copyResponders gives a record its own copy of a shared list (nil stays
// nil, empty stays empty).
func copyResponders(rs []analytics.Responder) []analytics.Responder {
	if rs == nil {
		return nil
	}
	return append(make([]analytics.Responder, 0, len(rs)), rs...)
}
