package front

import "sync"

// Backends lists the addresses (host:port) of the ready replicas behind a
// route; it is called per request, so replicas come and go freely.
type Backends func() []string

// Table is a front's routing table: routing key (an overlay's name) to the
// overlay's replicas of the service. It belongs to whoever owns the
// service, so routes outlive a front that is closed and opened again.
type Table struct {
	mu     sync.RWMutex
	routes map[string]Backends
}

// NewTable returns an empty table.
func NewTable() *Table { return &Table{routes: map[string]Backends{}} }

// Set routes requests carrying key to b.
func (t *Table) Set(key string, b Backends) {
	t.mu.Lock()
	t.routes[key] = b
	t.mu.Unlock()
}

// Remove drops key's route: its requests go to the default backends again.
func (t *Table) Remove(key string) {
	t.mu.Lock()
	delete(t.routes, key)
	t.mu.Unlock()
}

// Lookup is key's route, if any.
func (t *Table) Lookup(key string) (Backends, bool) {
	if t == nil || key == "" {
		return nil, false
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	b, ok := t.routes[key]
	return b, ok
}

// Keys lists the routed keys.
func (t *Table) Keys() []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]string, 0, len(t.routes))
	for k := range t.routes {
		out = append(out, k)
	}
	return out
}
