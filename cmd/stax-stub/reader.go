package main

import (
	"context"
	"fmt"

	"github.com/microstax/stax/pkg/stub"
)

func fromAPI(ctx context.Context, c config, opts stub.Options) ([]byte, stub.Options, error) {
	return nil, opts, fmt.Errorf("--stub is not built yet")
}
