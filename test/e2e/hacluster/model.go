package hacluster

import (
	"fmt"

	"github.com/anishathalye/porcupine"
)

// OpKind is what a recorded call did.
type OpKind string

const (
	OpCreate OpKind = "create"
	OpUpdate OpKind = "update"
	OpGet    OpKind = "get"
)

// Outcome is how the server answered.
type Outcome string

const (
	OK       Outcome = "ok"
	Exists   Outcome = "exists"   // create: AlreadyExists
	Conflict Outcome = "conflict" // update: the resourceVersion precondition failed
	NotFound Outcome = "notfound"
	// Unknown is a timeout, a reset connection, a 5xx: the write may or
	// may not have happened. Its call returns at the end of the history.
	Unknown Outcome = "unknown"
)

// Input is a call on one key (an Environment's name).
type Input struct {
	Kind  OpKind
	Key   string
	Value string // create, update: the value written
	PreRV int64  // update: the resourceVersion precondition
}

// Output is the answer: for OK writes the new resourceVersion, for OK gets
// the value and resourceVersion read.
type Output struct {
	Outcome Outcome
	Value   string
	RV      int64
}

// kvState is one key as the model sees it. RVKnown false is a write whose
// answer was lost: its resourceVersion is some number above Floor, pinned
// by the next read.
type kvState struct {
	Exists  bool
	Value   string
	RV      int64
	RVKnown bool
	Floor   int64
}

// matches reports whether the key's resourceVersion may be rv.
func (s kvState) matches(rv int64) bool {
	if s.RVKnown {
		return s.RV == rv
	}
	return rv > s.Floor
}

// floor is a resourceVersion every later write of the key exceeds.
func (s kvState) floor() int64 {
	if s.RVKnown {
		return s.RV
	}
	return s.Floor
}

// step is the sequential specification of one key of the API: creates,
// updates with resourceVersion preconditions, quorum reads. Every write
// moves the resourceVersion up (they are etcd revisions).
func step(st, in, out any) []any {
	s, i, o := st.(kvState), in.(Input), out.(Output)
	written := func(rv int64) kvState {
		return kvState{Exists: true, Value: i.Value, RV: rv, RVKnown: true}
	}
	lost := kvState{Exists: true, Value: i.Value, Floor: s.floor()}
	switch i.Kind {
	case OpCreate:
		switch o.Outcome {
		case OK:
			if !s.Exists && o.RV > s.floor() {
				return []any{written(o.RV)}
			}
		case Exists:
			if s.Exists {
				return []any{s}
			}
		case Unknown:
			if !s.Exists {
				return []any{s, lost}
			}
			return []any{s}
		}
	case OpUpdate:
		switch o.Outcome {
		case OK:
			if s.Exists && s.matches(i.PreRV) && o.RV > i.PreRV {
				return []any{written(o.RV)}
			}
		case Conflict:
			if s.Exists && !(s.RVKnown && s.RV == i.PreRV) {
				return []any{s}
			}
		case NotFound:
			if !s.Exists {
				return []any{s}
			}
		case Unknown:
			if s.Exists && s.matches(i.PreRV) {
				lost.Floor = max(lost.Floor, i.PreRV)
				return []any{s, lost}
			}
			return []any{s}
		}
	case OpGet:
		switch o.Outcome {
		case OK:
			if s.Exists && s.Value == o.Value && s.matches(o.RV) {
				return []any{kvState{Exists: true, Value: s.Value, RV: o.RV, RVKnown: true}}
			}
		case NotFound:
			if !s.Exists {
				return []any{s}
			}
		}
	}
	return nil
}

// Model is the nondeterministic key-value model, partitioned per key.
var Model = (&porcupine.NondeterministicModel{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(Input).Key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		parts := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, byKey[k])
		}
		return parts
	},
	Init: func() []any { return []any{kvState{}} },
	Step: step,
	DescribeOperation: func(in, out any) string {
		i, o := in.(Input), out.(Output)
		switch i.Kind {
		case OpGet:
			return fmt.Sprintf("get(%s) -> %s %q@%d", i.Key, o.Outcome, o.Value, o.RV)
		case OpUpdate:
			return fmt.Sprintf("update(%s, %q if @%d) -> %s @%d", i.Key, i.Value, i.PreRV, o.Outcome, o.RV)
		}
		return fmt.Sprintf("create(%s, %q) -> %s @%d", i.Key, i.Value, o.Outcome, o.RV)
	},
	DescribeState: func(st any) string {
		s := st.(kvState)
		if !s.Exists {
			return "absent"
		}
		if !s.RVKnown {
			return fmt.Sprintf("%q@>%d", s.Value, s.Floor)
		}
		return fmt.Sprintf("%q@%d", s.Value, s.RV)
	},
}).ToModel()
