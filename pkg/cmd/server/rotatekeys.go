package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/microstax/stax/pkg/identity"
)

// NewRotateTokenKeysCommand returns "stax-apiserver rotate-token-keys": an
// operator rotates the shared token key set in etcd now, instead of
// waiting for --token-key-rotation-period (after a key was exposed, say).
// Every replica picks the new set up within --shared-state-sync-interval.
func NewRotateTokenKeysCommand(o *Options) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "rotate-token-keys --etcd-servers URL --key-encryption-key-file FILE",
		Short: "Rotate the token signing keys every replica shares",
		Long: "rotate-token-keys makes the next key pair of the key set in etcd the signing one and publishes a " +
			"new next pair; the pair it replaces still verifies for the overlap window (1h). Replicas pick the " +
			"new set up within their --shared-state-sync-interval.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if o.Shared.KeyEncryptionKeyFile == "" || o.embeddedEtcd() {
				return errors.New("--etcd-servers and --key-encryption-key-file are required: " +
					"without them the keys are one server's own and it rotates them itself")
			}
			shared, err := o.openSharedState()
			if err != nil {
				return err
			}
			defer shared.close()
			if _, err := shared.openKeys(""); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(c.Context(), time.Minute)
			defer cancel()
			before := shared.keys.Keys().Current().ECKeyID()
			rotated, err := shared.keys.Rotate(ctx, time.Now(), force)
			if errors.Is(err, identity.ErrRotateTooEarly) {
				return fmt.Errorf("the next key pair is published since less than its publish-ahead time (%v), so "+
					"relying parties may not have fetched it yet; --force rotates anyway", identity.DefaultPublishAhead)
			}
			if err != nil {
				return err
			}
			if !rotated {
				return errors.New("another replica rotated the keys at the same time; nothing done")
			}
			_, err = fmt.Fprintf(c.OutOrStdout(), "rotated: %s signs now, %s is retired\n",
				shared.keys.Keys().Current().ECKeyID(), before)
			return err
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&force, "force", false, "Rotate even if the next pair was published only moments ago.")
	o.addSharedEtcdFlags(fs)
	return cmd
}

// addSharedEtcdFlags are the flags a command needs to reach the shared
// state: the etcd flags of the server and the key-encryption key.
func (o *Options) addSharedEtcdFlags(fs *pflag.FlagSet) {
	o.Recommended.Etcd.AddFlags(fs)
	o.Shared.addKEKFlag(fs)
}
