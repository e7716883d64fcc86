// Command stax-controller-manager runs the MicroStax controllers outside
// stax-apiserver, one leader at a time.
package main

import (
	"os"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/component-base/cli"

	"github.com/microstax/stax/pkg/cmd/controllermanager"
)

func main() {
	os.Exit(cli.Run(controllermanager.NewCommand(genericapiserver.SetupSignalContext())))
}
