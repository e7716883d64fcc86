package yamlbudget

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	yaml "go.yaml.in/yaml/v3"
)

// TooLargeError says a document would expand past the budget.
type TooLargeError struct {
	// Limit is the budget, in bytes.
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("YAML expands to more than %d bytes (aliases)", e.Limit)
}

// ErrAliasCycle is an alias inside the node it names: it never ends.
var ErrAliasCycle = errors.New("YAML alias refers to the node that contains it")

// Check returns a *TooLargeError when the YAML stream data, with every alias
// written out, is over limit bytes; another error when data is not YAML.
// Parsing into yaml.v3 nodes keeps aliases as pointers, so this costs memory
// in proportion to data, not to its expansion.
//
// A stream without aliases always passes: its expansion is itself, already
// bounded by the body limit, and the size counted here is only an estimate
// of it (see size).
func Check(data []byte, limit int64) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	m := meter{limit: limit, done: map[*yaml.Node]int64{}, open: map[*yaml.Node]bool{}}
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if err := m.add(&doc); err != nil {
			return err
		}
	}
}

// meter sums the expanded size of every document of a stream.
type meter struct {
	limit   int64
	total   int64
	aliased bool
	// done memoises the size of anchored nodes, so each alias costs one
	// lookup however often its anchor is named; open are those being sized.
	done map[*yaml.Node]int64
	open map[*yaml.Node]bool
}

func (m *meter) add(doc *yaml.Node) error {
	n, err := m.size(doc)
	if err != nil {
		return err
	}
	m.total = capped(m.total, n, m.limit)
	if m.aliased && m.total > m.limit {
		return &TooLargeError{Limit: m.limit}
	}
	return nil
}

// size is the node's length with its aliases written out, counted as each
// scalar's value plus one byte per node (the separator or bracket the
// source needs for it at least). It saturates just over the limit, so
// nested aliases cannot overflow it.
func (m *meter) size(n *yaml.Node) (int64, error) {
	if n.Kind == yaml.AliasNode {
		m.aliased = true
		if n.Alias == nil {
			return 1, nil
		}
		return m.size(n.Alias)
	}
	if n.Anchor != "" {
		if s, ok := m.done[n]; ok {
			return s, nil
		}
		if m.open[n] {
			return 0, ErrAliasCycle
		}
		m.open[n] = true
		defer delete(m.open, n)
	}
	s := int64(len(n.Value)) + 1
	for _, c := range n.Content {
		cs, err := m.size(c)
		if err != nil {
			return 0, err
		}
		s = capped(s, cs, m.limit)
	}
	if n.Anchor != "" {
		m.done[n] = s
	}
	return s, nil
}

// capped adds without going further past limit than limit+1.
func capped(a, b, limit int64) int64 {
	if a > limit-b {
		return limit + 1
	}
	return a + b
}
