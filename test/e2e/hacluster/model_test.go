package hacluster

import (
	"math"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

func op(client int, call, ret int64, in Input, out Output) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Call: call, Return: ret, Input: in, Output: out}
}

// The model accepts what a linearizable store answers and refuses what
// only a store that loses, reorders or invents writes would answer.
func TestModel(t *testing.T) {
	create := func(k, v string) Input { return Input{Kind: OpCreate, Key: k, Value: v} }
	update := func(k, v string, pre int64) Input { return Input{Kind: OpUpdate, Key: k, Value: v, PreRV: pre} }
	get := func(k string) Input { return Input{Kind: OpGet, Key: k} }
	end := int64(math.MaxInt64)
	for _, tc := range []struct {
		name    string
		history []porcupine.Operation
		want    porcupine.CheckResult
	}{
		{"sequential writes and reads", []porcupine.Operation{
			op(0, 1, 2, create("a", "1"), Output{Outcome: OK, RV: 10}),
			op(0, 3, 4, update("a", "2", 10), Output{Outcome: OK, RV: 12}),
			op(1, 5, 6, get("a"), Output{Outcome: OK, Value: "2", RV: 12}),
			op(1, 7, 8, update("a", "3", 10), Output{Outcome: Conflict}),
			op(1, 7, 8, get("b"), Output{Outcome: NotFound}),
		}, porcupine.Ok},
		{"an acknowledged write is lost", []porcupine.Operation{
			op(0, 1, 2, create("a", "1"), Output{Outcome: OK, RV: 10}),
			op(0, 3, 4, update("a", "2", 10), Output{Outcome: OK, RV: 12}),
			op(1, 5, 6, get("a"), Output{Outcome: OK, Value: "1", RV: 10}),
		}, porcupine.Illegal},
		{"a stale read after a newer one", []porcupine.Operation{
			op(0, 1, 2, create("a", "1"), Output{Outcome: OK, RV: 10}),
			op(0, 3, 10, update("a", "2", 10), Output{Outcome: OK, RV: 12}),
			op(1, 4, 5, get("a"), Output{Outcome: OK, Value: "2", RV: 12}),
			op(2, 6, 7, get("a"), Output{Outcome: OK, Value: "1", RV: 10}),
		}, porcupine.Illegal},
		{"two updates from one resourceVersion both succeed", []porcupine.Operation{
			op(0, 1, 2, create("a", "1"), Output{Outcome: OK, RV: 10}),
			op(0, 3, 4, update("a", "2", 10), Output{Outcome: OK, RV: 12}),
			op(1, 3, 4, update("a", "3", 10), Output{Outcome: OK, RV: 13}),
		}, porcupine.Illegal},
		{"a write whose answer was lost may have happened", []porcupine.Operation{
			op(0, 1, 2, create("a", "1"), Output{Outcome: OK, RV: 10}),
			op(0, 3, end, update("a", "2", 10), Output{Outcome: Unknown}),
			op(1, 5, 6, get("a"), Output{Outcome: OK, Value: "2", RV: 15}),
			op(1, 7, 8, update("a", "3", 15), Output{Outcome: OK, RV: 16}),
		}, porcupine.Ok},
		{"or not", []porcupine.Operation{
			op(0, 1, 2, create("a", "1"), Output{Outcome: OK, RV: 10}),
			op(0, 3, end, update("a", "2", 10), Output{Outcome: Unknown}),
			op(1, 5, 6, get("a"), Output{Outcome: OK, Value: "1", RV: 10}),
		}, porcupine.Ok},
		{"a value nobody wrote", []porcupine.Operation{
			op(0, 1, 2, create("a", "1"), Output{Outcome: OK, RV: 10}),
			op(1, 5, 6, get("a"), Output{Outcome: OK, Value: "9", RV: 11}),
		}, porcupine.Illegal},
		{"a resourceVersion going back", []porcupine.Operation{
			op(0, 1, 2, create("a", "1"), Output{Outcome: OK, RV: 10}),
			op(0, 3, 4, update("a", "2", 10), Output{Outcome: OK, RV: 9}),
		}, porcupine.Illegal},
		{"created twice", []porcupine.Operation{
			op(0, 1, 2, create("a", "1"), Output{Outcome: OK, RV: 10}),
			op(1, 3, 4, create("a", "2"), Output{Outcome: OK, RV: 11}),
		}, porcupine.Illegal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := porcupine.CheckOperationsVerbose(Model, tc.history, 10*time.Second)
			if got != tc.want {
				t.Errorf("verdict %s, want %s", got, tc.want)
			}
		})
	}
}
