package main

import "testing"

func TestParseMachineTime(t *testing.T) {
	// Two samples of a 2-vCPU guest, a second apart: 120 ticks of user and
	// system, 40 idle, 10 waiting on I/O, 30 stolen.
	first, err := parseMachineTime("cpu  1000 5 300 8000 100 0 20 400 0 0\ncpu0 500 2 150 4000 50 0 10 200 0 0\n")
	if err != nil {
		t.Fatal(err)
	}
	second, err := parseMachineTime("cpu  1100 5 320 8040 110 0 20 430 0 0\n")
	if err != nil {
		t.Fatal(err)
	}
	d := second.minus(first)
	if want := (machineTime{total: 200, idle: 50, steal: 30}); d != want {
		t.Fatalf("difference %+v, want %+v", d, want)
	}
	if got := d.share(d.idle); got != "25 %" {
		t.Errorf("idle share %q, want 25 %%", got)
	}
	if got := d.plus(d).share(d.steal * 2); got != "15 %" {
		t.Errorf("stolen share of two rounds %q, want 15 %%", got)
	}
	if got := second.minus(machineTime{}); got != (machineTime{}) {
		t.Errorf("time since an unread sample %+v, want none", got)
	}
	if got := (machineTime{}).share(0); got != "–" {
		t.Errorf("share of an unread machine %q, want –", got)
	}
}

func TestParseMachineTimeRefusesOtherText(t *testing.T) {
	for _, stat := range []string{
		"",
		"cpu0 1 2 3 4 5 6 7 8\n",        // a single CPU's line first
		"cpu  1 2 3 4 5 6 7\n",          // an old kernel's line without steal
		"cpu  1 2 3 4 five 6 7 8 0 0\n", // not a number
	} {
		if m, err := parseMachineTime(stat); err == nil {
			t.Errorf("parseMachineTime(%q) = %+v, want an error", stat, m)
		}
	}
}
