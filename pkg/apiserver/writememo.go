package apiserver

import (
	"bytes"
	"hash/maphash"
	"io"
	"reflect"
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Bounds of a writeMemo: how many written documents it tracks at once, and
// how many of their bytes. A write's two decodes come milliseconds apart,
// so it only needs to span the writes in flight and the watch's lag; when
// it overflows, the oldest entries go and their decodes parse as before.
const (
	writeMemoEntries = 256
	writeMemoBytes   = 4 << 20
)

// memoizedCodec is a storage codec that decodes each document it writes
// once instead of twice. Every write reaches the decoder twice with the
// same bytes: the etcd3 store reads back what it has just written to
// answer the request, and the watch cache decodes the event etcd sends for
// it. Encode notes the bytes it produces; the first decode of noted bytes
// keeps a deep copy of its result and the second takes that copy instead
// of parsing again, which costs a fraction of a decode. Decoding is a
// function of the bytes alone, so the copy is what a parse would return.
// Reads of anything else (gets, lists, other replicas' writes) pass
// straight through.
type memoizedCodec struct {
	runtime.Codec
	memo *writeMemo
}

func newMemoizedCodec(c runtime.Codec) *memoizedCodec {
	return &memoizedCodec{Codec: c, memo: newWriteMemo(writeMemoEntries, writeMemoBytes)}
}

func (c *memoizedCodec) Encode(obj runtime.Object, w io.Writer) error {
	var buf bytes.Buffer
	if err := c.Codec.Encode(obj, &buf); err != nil {
		return err
	}
	c.memo.note(buf.Bytes())
	_, err := w.Write(buf.Bytes())
	return err
}

func (c *memoizedCodec) Decode(data []byte, defaults *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	if defaults != nil { // a default kind could change the result: never asked by the storage layer
		return c.Codec.Decode(data, defaults, into)
	}
	if obj, gvk, ok := c.memo.take(data, into); ok {
		return obj, gvk, nil
	}
	obj, gvk, err := c.Codec.Decode(data, nil, into)
	if err == nil {
		c.memo.keep(data, obj, gvk)
	}
	return obj, gvk, err
}

// writeMemo holds the documents a memoizedCodec has encoded and not yet
// decoded twice.
type writeMemo struct {
	mu       sync.Mutex
	seed     maphash.Seed
	held     map[uint64]*memoEntry
	fifo     []*memoEntry // in the order noted; entries no longer held stay until compacted
	bytes    int          // len(data) summed over the held entries
	maxCount int
	maxBytes int

	// For tests: decodes answered with a kept copy, and decodes of noted
	// bytes that parsed.
	hits, parses int
}

type memoEntry struct {
	key  uint64
	data []byte
	obj  runtime.Object // the first decode's result, once there was one
	gvk  schema.GroupVersionKind
	held bool
}

func newWriteMemo(maxCount, maxBytes int) *writeMemo {
	return &writeMemo{seed: maphash.MakeSeed(), held: make(map[uint64]*memoEntry, maxCount),
		maxCount: maxCount, maxBytes: maxBytes}
}

// note records data, which was just encoded for a write.
func (m *writeMemo) note(data []byte) {
	if len(data) > m.maxBytes {
		return
	}
	e := &memoEntry{key: maphash.Bytes(m.seed, data), data: data, held: true}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.held[e.key]; ok {
		// The same bytes again (an update retried, or one that changes
		// nothing), or a collision: a key holds one document.
		m.dropLocked(old)
	}
	for len(m.held) >= m.maxCount || m.bytes+len(data) > m.maxBytes {
		m.dropLocked(m.oldestLocked())
	}
	if len(m.fifo) >= 2*m.maxCount {
		live := make([]*memoEntry, 0, m.maxCount)
		for _, f := range m.fifo {
			if f.held {
				live = append(live, f)
			}
		}
		m.fifo = live
	}
	m.held[e.key] = e
	m.fifo = append(m.fifo, e)
	m.bytes += len(data)
}

// take answers a decode of data from the copy a first decode kept, and
// forgets the entry: each written document is decoded twice.
func (m *writeMemo) take(data []byte, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, bool) {
	key := maphash.Bytes(m.seed, data)
	m.mu.Lock()
	e, ok := m.held[key]
	if !ok || e.obj == nil || !bytes.Equal(e.data, data) ||
		(into != nil && reflect.TypeOf(into) != reflect.TypeOf(e.obj)) {
		m.mu.Unlock()
		return nil, nil, false
	}
	m.dropLocked(e)
	m.hits++
	m.mu.Unlock()

	gvk := e.gvk
	if into == nil {
		return e.obj, &gvk, true
	}
	reflect.ValueOf(into).Elem().Set(reflect.ValueOf(e.obj).Elem())
	return into, &gvk, true
}

// keep stores a copy of obj, the first decode of noted data, for the second.
func (m *writeMemo) keep(data []byte, obj runtime.Object, gvk *schema.GroupVersionKind) {
	key := maphash.Bytes(m.seed, data)
	m.mu.Lock()
	e, ok := m.held[key]
	if !ok || !bytes.Equal(e.data, data) {
		m.mu.Unlock()
		return
	}
	m.parses++
	if e.obj != nil { // the second decode found no copy it could take
		m.dropLocked(e)
		m.mu.Unlock()
		return
	}
	m.mu.Unlock()

	kept := obj.DeepCopyObject() // outside the lock: the copy is the costly part
	m.mu.Lock()
	defer m.mu.Unlock()
	if e.held && e.obj == nil {
		e.obj = kept
		if gvk != nil {
			e.gvk = *gvk
		}
	}
}

func (m *writeMemo) dropLocked(e *memoEntry) {
	if e.held {
		e.held = false
		m.bytes -= len(e.data)
		delete(m.held, e.key)
	}
}

// oldestLocked pops the fifo up to its oldest entry still held; there is
// one whenever held is not empty.
func (m *writeMemo) oldestLocked() *memoEntry {
	for {
		e := m.fifo[0]
		m.fifo = m.fifo[1:]
		if e.held {
			return e
		}
	}
}
