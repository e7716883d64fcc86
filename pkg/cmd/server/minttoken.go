package server

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"

	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/pkg/identity"
)

// NewMintTokenCommand returns "stax-apiserver mint-token": an admin with
// access to the server's data directory mints the first token of an
// organization, before any token exists to ask the API with.
func NewMintTokenCommand(o *Options) *cobra.Command {
	var org, subject string
	var groups []string
	var lifetime time.Duration
	cmd := &cobra.Command{
		Use:   "mint-token --organization ORG --subject NAME",
		Short: "Mint a hybrid-signed token with the server's own keys",
		Long: "mint-token signs a token with the key pair stored under --data-dir (or --token-keys-dir), or the " +
			"one replicas share in etcd (--etcd-servers with --key-encryption-key-file), " +
			"scoped to one organization. Use the same --token-issuer and --token-audience as the server.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if msgs := utilvalidation.IsDNS1123Label(org); len(msgs) > 0 {
				return fmt.Errorf("--organization %q: %v", org, msgs)
			}
			if subject == "" {
				return fmt.Errorf("--subject is required")
			}
			if errs := o.Identity.Validate(); len(errs) > 0 {
				return fmt.Errorf("%v", errs)
			}
			dataDir, err := filepath.Abs(o.DataDir)
			if err != nil {
				return err
			}
			o.Identity.complete(dataDir)
			keys, closeKeys, err := o.mintingKeys()
			if err != nil {
				return err
			}
			defer closeKeys()
			issuer, err := identity.NewIssuer(keys, identity.IssuerConfig{Issuer: o.Identity.Issuer})
			if err != nil {
				return err
			}
			now := time.Now()
			token, err := issuer.Issue(identity.Claims{
				Subject: subject, Audience: []string{o.Identity.Audience}, Org: org, Groups: groups,
				IssuedAt: now, ExpiresAt: now.Add(lifetime),
			})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(c.OutOrStdout(), token)
			return err
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&org, "organization", "", "Organization (namespace) the token is scoped to.")
	fs.StringVar(&subject, "subject", "", "User the token names (sub).")
	fs.StringSliceVar(&groups, "groups", nil, "Groups of the user; "+auth.OrganizationAdminClaim+" makes it an admin of the organization, "+
		auth.DiffWriterClaim+" a mirroring front's credential that only writes diff results.")
	fs.DurationVar(&lifetime, "lifetime", time.Hour, "How long the token is valid; at most the key overlap window (1h).")
	fs.StringVar(&o.DataDir, "data-dir", o.DataDir, "The server's data directory.")
	o.Identity.AddFlags(fs)
	o.addSharedEtcdFlags(fs)
	return cmd
}

// mintingKeys are the keys of the data directory, or with
// --key-encryption-key-file those every replica shares in etcd.
func (o *Options) mintingKeys() (*identity.KeySet, func(), error) {
	if o.Shared.KeyEncryptionKeyFile == "" {
		keys, err := o.Identity.openKeys()
		return keys, func() {}, err
	}
	shared, err := o.openSharedState()
	if err != nil {
		return nil, nil, err
	}
	keys, err := shared.openKeys(o.Identity.KeysDir)
	if err != nil {
		shared.close()
		return nil, nil, err
	}
	return keys, shared.close, nil
}
