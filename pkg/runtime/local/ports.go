package local

import (
	"fmt"
	"net"
	"strings"
)

// freePort asks the kernel for an unused loopback port. The port is free
// when returned but not reserved: another process may take it before the
// replica binds it, which then shows as a crash and a restart.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// envName turns a service or port name into an environment variable stem:
// "auth-db" becomes "AUTH_DB".
func envName(name string) string {
	return strings.ReplaceAll(strings.ToUpper(name), "-", "_")
}

func loopback(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }
