package runtime

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestEnviron(t *testing.T) {
	s := ServicePlan{Name: "api", DependsOn: []string{"auth-db", "cache"},
		Env:   []EnvVar{{Name: "PORT", Value: "1"}, {Name: "MODE", Value: "x"}, {Name: "STAX_SERVICE", Value: "spoofed"}},
		Ports: []Port{{Name: "http", Port: 80}, {Name: "admin-ui", Port: 81}}}
	urls := map[string]string{"auth-db": "http://127.0.0.1:5000"} // cache has no address yet
	got := Environ("acme", "dev", s, Wiring{Ports: []int32{4000, 4001}, Replica: 2,
		DependencyURL: func(d string) string { return urls[d] }})
	want := []EnvVar{{Name: "MODE", Value: "x"}, {Name: "PORT", Value: "4000"}, {Name: "PORT_HTTP", Value: "4000"}, {Name: "PORT_ADMIN_UI", Value: "4001"},
		{Name: "AUTH_DB_URL", Value: "http://127.0.0.1:5000"}, {Name: "STAX_ORGANIZATION", Value: "acme"}, {Name: "STAX_ENVIRONMENT", Value: "dev"},
		{Name: "STAX_SERVICE", Value: "api"}, {Name: "STAX_REPLICA", Value: "2"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Environ =\n%v\nwant\n%v", got, want)
	}
	if got := Environ("acme", "dev", ServicePlan{Name: "x"}, Wiring{Replica: -1, DependencyURL: func(string) string { return "" }}); len(got) != 3 {
		t.Fatalf("no ports, no replica index: %v", got)
	}
	if dep, ok := DependencyOf("AUTH_DB_URL"); !ok || dep != "AUTH_DB" {
		t.Errorf("DependencyOf(AUTH_DB_URL) = %q, %v", dep, ok)
	}
	for _, v := range []string{"_URL", "URL", "PORT_HTTP"} {
		if _, ok := DependencyOf(v); ok {
			t.Errorf("DependencyOf(%q) is a dependency", v)
		}
	}
}

// TestContractHasOneHome fails when the names of the environment contract
// are spelt out in product code anywhere but environ.go: a second spelling
// would drift from the first. Tests are exempt: they check the contract
// from outside.
func TestContractHasOneHome(t *testing.T) {
	root := filepath.Join("..", "..")
	offending := contractLiterals(t, root)
	if len(offending) > 0 {
		t.Fatalf("the environment contract is spelt out outside pkg/runtime/environ.go; use its names:\n  %s",
			strings.Join(offending, "\n  "))
	}
	// The check can fail: it finds the spellings in environ.go itself.
	if found := contractLiteralsIn(t, token.NewFileSet(), "environ.go"); len(found) == 0 {
		t.Fatal("no contract literal found in environ.go: the check has gone blind")
	}
}

func contractLiterals(t *testing.T, root string) []string {
	t.Helper()
	fset := token.NewFileSet()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "vendor", "_output", "node_modules", ".git", "generated":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			filepath.ToSlash(path) == "../../pkg/runtime/environ.go" {
			return nil
		}
		out = append(out, contractLiteralsIn(t, fset, path)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func contractLiteralsIn(t *testing.T, fset *token.FileSet, path string) []string {
	t.Helper()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		v, err := strconv.Unquote(lit.Value)
		if err != nil {
			return true
		}
		if v == EnvPort || strings.Contains(v, envPortPrefix) || strings.HasSuffix(v, envURLSuffix) {
			out = append(out, fset.Position(lit.Pos()).String()+": "+lit.Value)
		}
		return true
	})
	return out
}
