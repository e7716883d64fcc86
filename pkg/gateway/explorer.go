package gateway

import (
	"embed"
	"io/fs"
	"net/http"
)

// explorerFiles is the explorer page and the swagger-ui-dist bundle it
// loads, committed so that building needs no network
// (hack/update-explorer.sh refreshes them from web/package-lock.json).
//
//go:embed explorer/index.html explorer/swagger-ui-bundle.js explorer/swagger-ui.css
var explorerFiles embed.FS

func explorerHandler() http.Handler {
	sub, _ := fs.Sub(explorerFiles, "explorer")
	return http.StripPrefix("/v1/docs/", http.FileServerFS(sub))
}
