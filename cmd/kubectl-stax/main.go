// Command kubectl-stax is the "kubectl stax" plugin (pkg/cmd/kubectlstax):
// kubectl finds it on PATH by its name. Run under the name
// kubectl_complete-stax (a link to it) it answers kubectl's completion of
// "kubectl stax", as cmd/kubectl_complete-stax does.
package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/microstax/stax/pkg/cmd/kubectlstax"
)

func main() {
	if strings.HasPrefix(filepath.Base(os.Args[0]), "kubectl_complete-stax") {
		os.Exit(kubectlstax.CompleteMain(os.Args[1:]))
	}
	os.Exit(kubectlstax.Main(os.Args[1:]))
}
