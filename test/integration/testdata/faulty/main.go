// Command faulty fails in the ways diagnose recognises, for its tests:
//
//	faulty panic            panics: a Go stack trace, exit code 2
//	faulty bind ADDR        listens on ADDR, which the test holds: address already in use
//	faulty needenv NAME     exits when $NAME is unset, else serves $PORT
//	faulty sigkill          kills itself with SIGKILL: exit code 137, as the OOM killer does
//	faulty refuse-once      serves $PORT, then stops accepting (once per work directory)
//	faulty dial VAR         connects to the URL in $VAR every 200 ms; exits on a failure
//	faulty unready-once     serves $PORT, /healthz a 503 until restarted (once per work directory)
//	faulty exit CODE        says nothing a specific analyzer knows and exits with CODE
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/microstax/stax/pkg/runtime"
)

func main() {
	log.SetOutput(os.Stdout)
	log.SetFlags(0)
	if len(os.Args) < 2 {
		log.Fatal("usage: faulty MODE [ARG]")
	}
	arg := ""
	if len(os.Args) > 2 {
		arg = os.Args[2]
	}
	switch os.Args[1] {
	case "panic":
		log.Print("loading the catalogue")
		var items []string
		fmt.Println(items[len(os.Args)]) // index out of range
	case "bind":
		l, err := net.Listen("tcp", arg)
		if err != nil {
			log.Fatal(err)
		}
		serve(l)
	case "needenv":
		if os.Getenv(arg) == "" {
			log.Fatalf("%s is not set", arg)
		}
		serve(listenPort())
	case "sigkill":
		log.Print("allocating the cache")
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Minute)
	case "refuse-once":
		l := listenPort()
		if _, err := os.Stat("refused-once"); err != nil {
			os.WriteFile("refused-once", nil, 0o644)
			time.AfterFunc(1500*time.Millisecond, func() {
				log.Print("no longer accepting connections")
				l.Close()
			})
			go serve(l)
			time.Sleep(time.Hour) // alive, refusing connections
		}
		serve(l)
	case "dial":
		url := os.Getenv(arg)
		// A new connection each time, as a pool that reconnects would.
		client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		for {
			resp, err := client.Get(url)
			if err != nil {
				log.Fatalf("reaching %s: %v", arg, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			time.Sleep(200 * time.Millisecond)
		}
	case "unready-once":
		l := listenPort()
		_, err := os.Stat("unready-once")
		stuck := err != nil
		if stuck {
			os.WriteFile("unready-once", nil, 0o644)
			log.Print("waiting for a lock that is never released")
		}
		http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if stuck {
				http.Error(w, "stuck", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprintln(w, "ok")
		}))
	case "exit":
		code, err := strconv.Atoi(arg)
		if err != nil {
			log.Fatalf("exit: %v", err)
		}
		log.Print("shutting down")
		os.Exit(code)
	default:
		log.Fatalf("unknown mode %q", os.Args[1])
	}
}

func listenPort() net.Listener {
	l, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv(runtime.EnvPort))
	if err != nil {
		log.Fatal(err)
	}
	return l
}

func serve(l net.Listener) {
	http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }))
}
