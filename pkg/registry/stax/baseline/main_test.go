package baseline_test

import (
	"testing"

	"github.com/microstax/stax/pkg/registry/registrytest"
)

func TestMain(m *testing.M) { registrytest.Main(m) }
