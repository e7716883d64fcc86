// Command kubectl_complete-stax completes "kubectl stax ..." in kubectl's
// shell completion: for a plugin named stax, kubectl (1.26 and later) runs
// "kubectl_complete-stax ARGS..." and prints its answer (commands, flags,
// environment names) as its own.
package main

import (
	"os"

	"github.com/microstax/stax/pkg/cmd/kubectlstax"
)

func main() {
	os.Exit(kubectlstax.CompleteMain(os.Args[1:]))
}
