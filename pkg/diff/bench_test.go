package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// benchBody is a typical answer of about 2 KiB: an order with its lines,
// a set of tags and the noise of meta; seed varies the noise, changed
// one field.
func benchBody(seed int, changed bool) []byte {
	var items []any
	for i := range 20 {
		items = append(items, map[string]any{"line": i + 1, "sku": fmt.Sprintf("SKU-%05d", i*7919%100000),
			"name": fmt.Sprintf("Item number %d", i), "qty": 1 + i%3, "price": 9.99 + float64(i)})
	}
	tags := []any{"a", "b", "c", "d"}
	if seed%2 == 1 {
		tags = []any{"d", "c", "b", "a"}
	}
	status := "paid"
	if changed {
		status = "shipped"
	}
	b, _ := json.Marshal(map[string]any{
		"id": "3f2a9c1e-7b4d-4e2a-9f1c-0a1b2c3d4e5f", "status": status, "items": items, "tags": tags,
		"customer": map[string]any{"id": 17, "name": "Ada Lovelace", "email": "ada@example.com", "tier": "gold"},
		"meta":     map[string]any{"requestId": fmt.Sprintf("%016x", seed*2654435761), "served": seed, "generatedAt": fmt.Sprintf("2026-12-02T10:00:00.%09dZ", seed)},
	})
	return b
}

// BenchmarkObserve is one exchange of three 2 KiB JSON answers on a
// learnt endpoint: decoding, both comparisons and the counting.
func BenchmarkObserve(b *testing.B) {
	e := NewEngine(Options{})
	xs := make([]Exchange, 16)
	for i := range xs {
		xs[i] = Exchange{Method: "GET", Path: fmt.Sprintf("/orders/%d", i),
			Primary:   jsonAnswer(200, string(benchBody(3*i, false)), "X-Request-Id", fmt.Sprint(3*i)),
			Secondary: jsonAnswer(200, string(benchBody(3*i+1, false)), "X-Request-Id", fmt.Sprint(3*i+1)),
			Candidate: jsonAnswer(200, string(benchBody(3*i+2, i%4 == 0)), "X-Request-Id", fmt.Sprint(3*i+2)),
		}
		e.Observe(xs[i])
	}
	b.SetBytes(int64(len(xs[0].Primary.Body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e.Observe(xs[i%len(xs)])
	}
}

// BenchmarkDecode is the engine's decoder beside encoding/json's (as the
// engine would use it: UseNumber, one document) on the same 2 KiB body.
func BenchmarkDecode(b *testing.B) {
	body := benchBody(1, false)
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			var v any
			if dec.Decode(&v) != nil {
				b.Fatal("not decoded")
			}
		}
	})
	b.Run("engine", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := decodeJSON(body); !ok {
				b.Fatal("not decoded")
			}
		}
	})
}
