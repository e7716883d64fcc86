package gateway

import (
	"embed"
	"io/fs"
	"net/http"
)

// consoleFiles is the web console: its page, style and the JavaScript that
// tsc compiles from web/console/src, committed so that building needs no
// network (hack/update-console.sh rebuilds them, hack/verify-console.sh
// checks that the committed output is what the sources give).
//
//go:embed console
var consoleFiles embed.FS

// ConsoleContentSecurityPolicy is sent with every file of the console:
// nothing but the gateway's own origin may serve a script, style, image or
// connection (the WebSocket streams included), and no other site may frame it.
const ConsoleContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

func consoleHandler() http.Handler {
	sub, _ := fs.Sub(consoleFiles, "console")
	files := http.StripPrefix("/console/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ConsoleContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		// A new build must reach the browser without a stale mix of modules.
		h.Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
