package local

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLogFileStampsAndRotates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc-0.log")
	lf, err := openLogFile(path, 200)
	if err != nil {
		t.Fatal(err)
	}
	lf.Write([]byte("hello "))
	lf.Write([]byte("world\nsecond\nunterminated"))
	lf.Close()
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	want := []string{"hello world", "second", "unterminated"}
	if len(lines) != len(want) {
		t.Fatalf("lines %q", lines)
	}
	for i, l := range lines {
		stamp, text, _ := strings.Cut(l, " ")
		if _, err := time.Parse(time.RFC3339Nano, stamp); err != nil || text != want[i] {
			t.Fatalf("line %q: %v", l, err)
		}
	}

	lf, err = openLogFile(path, 200)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		lf.Write([]byte(strings.Repeat("x", 50) + "\n"))
	}
	lf.Close()
	cur, _ := os.Stat(path)
	old, err := os.Stat(path + ".1")
	if err != nil || cur.Size() > 200 || old.Size() > 200 {
		t.Fatalf("after rotation: current %d bytes, old %v", cur.Size(), err)
	}
}
