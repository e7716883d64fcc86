package kubectlstax

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/identity"
)

func newTokenCommand(o *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Mint, verify and revoke MicroStax tokens",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageError("token needs a subcommand: mint, verify or revoke\nSee 'kubectl stax token --help'.")
		},
	}
	cmd.AddCommand(newTokenMintCommand(o), newTokenVerifyCommand(o), newTokenRevokeCommand(o))
	return cmd
}

// newTokenMintCommand creates a FederatedTokenRequest: a short-lived token
// of the caller's organization for another audience.
func newTokenMintCommand(o *Options) *cobra.Command {
	var (
		audience string
		lifetime time.Duration
	)
	cmd := &cobra.Command{
		Use:   "mint --audience AUDIENCE",
		Short: "Mint a short-lived token of your organization for AUDIENCE (a FederatedTokenRequest); prints the token",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(func() error {
				if audience == "" {
					return usageError("mint needs --audience")
				}
				client, ns, err := o.clientIn()
				if err != nil {
					return err
				}
				req := &staxv1.FederatedTokenRequest{Spec: staxv1.FederatedTokenRequestSpec{Audience: audience}}
				if lifetime > 0 {
					req.Spec.ExpirationSeconds = ptr.To(int64(lifetime.Seconds()))
				}
				got, err := client.StaxV1alpha1().FederatedTokenRequests(ns).Create(cmd.Context(), req, metav1.CreateOptions{})
				if err != nil {
					return explain(err, ns, "")
				}
				fmt.Fprintln(o.Out, got.Status.Token)
				fmt.Fprintf(o.ErrOut, "expires %s\n", got.Status.ExpirationTimestamp.UTC().Format(time.RFC3339))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&audience, "audience", "", "the audience (aud) of the token")
	cmd.Flags().DurationVar(&lifetime, "lifetime", 0, "how long the token is valid (default: the server's, 5m)")
	return cmd
}

// newTokenVerifyCommand creates an IdentityReview of a token and prints
// what the server found; exit 1 when it does not authenticate.
func newTokenVerifyCommand(o *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify [TOKEN]",
		Short: "Verify a token (an IdentityReview): who it is, its organization, which signatures verified",
		Long: `verify reads the token from its argument, or else (no argument, or -) from
stdin. Exit 1 if it does not verify.`,
		Args: tokenArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(func() error {
				t, err := tokenFrom(args, o.In)
				if err != nil {
					return err
				}
				return o.verify(cmd.Context(), t)
			})
		},
	}
	return cmd
}

func (o *Options) verify(ctx context.Context, token string) error {
	client, err := o.client()
	if err != nil {
		return err
	}
	// IdentityReviews are cluster-scoped: the token names its organization.
	review, err := client.StaxV1alpha1().IdentityReviews().Create(ctx,
		&staxv1.IdentityReview{Spec: staxv1.IdentityReviewSpec{Token: token}}, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	st := review.Status
	if !st.Authenticated {
		return failed("the token does not verify: %s", orDash(st.Error))
	}
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Authenticated:\ttrue\n")
	fmt.Fprintf(tw, "User:\t%s\n", st.User.Username)
	if len(st.User.Groups) > 0 {
		fmt.Fprintf(tw, "Groups:\t%s\n", strings.Join(st.User.Groups, ", "))
	}
	if st.User.Actor != "" {
		fmt.Fprintf(tw, "Actor:\t%s\n", st.User.Actor)
	}
	fmt.Fprintf(tw, "Organization:\t%s\n", st.Organization)
	fmt.Fprintf(tw, "Audiences:\t%s\n", strings.Join(st.Audiences, ", "))
	if st.ExpirationTimestamp != nil {
		fmt.Fprintf(tw, "Expires:\t%s\n", st.ExpirationTimestamp.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(tw, "Signatures:\tES256 %s, ML-DSA-65 %s\n", verified(st.Signatures.Classical), verified(st.Signatures.PostQuantum))
	fmt.Fprintf(tw, "Token ID:\t%s\n", st.TokenID)
	return tw.Flush()
}

func verified(ok bool) string {
	if ok {
		return "verified"
	}
	return "not verified"
}

// newTokenRevokeCommand creates a TokenRevocation of a token's jti, kept
// until the token's expiry.
func newTokenRevokeCommand(o *Options) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "revoke [TOKEN]",
		Short: "Revoke a token of your organization (a TokenRevocation of its jti)",
		Long: `revoke reads the token from its argument, or else (no argument, or -) from
stdin, takes its id (jti)
and expiry from its claims (not verified: the server refuses what it must),
and creates a TokenRevocation that lasts until the token expires.`,
		Args: tokenArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(func() error {
				t, err := tokenFrom(args, o.In)
				if err != nil {
					return err
				}
				claims, ok := identity.PeekClaims(t)
				if !ok || claims.ID == "" {
					return failed("not a MicroStax token: its claims (jti) cannot be read")
				}
				client, ns, err := o.clientIn()
				if err != nil {
					return err
				}
				rev := &staxv1.TokenRevocation{
					Spec: staxv1.TokenRevocationSpec{TokenID: claims.ID, ExpirationTime: metav1.NewTime(claims.ExpiresAt)},
				}
				if name != "" {
					rev.Name = name
				} else {
					rev.GenerateName = "revoke-"
				}
				got, err := client.StaxV1alpha1().TokenRevocations(ns).Create(cmd.Context(), rev, metav1.CreateOptions{})
				if err != nil {
					return explain(err, ns, "")
				}
				fmt.Fprintf(o.Out, "tokenrevocation %s/%s created: token %s refused until %s\n",
					ns, got.Name, claims.ID, claims.ExpiresAt.UTC().Format(time.RFC3339))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the TokenRevocation's name (default: generated, revoke-...)")
	return cmd
}

// tokenArg: the token is an argument, not a --token flag, which is the
// kubeconfig flag of the caller's own credentials.
func tokenArg(cmd *cobra.Command, args []string) error {
	if len(args) > 1 {
		return usageError("%s takes one token, got %d arguments", cmd.Name(), len(args))
	}
	return nil
}

// tokenFrom is the argument, else (none, or -) the first line of stdin.
func tokenFrom(args []string, stdin io.Reader) (string, error) {
	if len(args) == 1 && args[0] != "-" {
		return strings.TrimSpace(args[0]), nil
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 1<<20)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	if t := strings.TrimSpace(line); t != "" {
		return t, nil
	}
	return "", usageError("no token: pass it as the argument or write it to stdin")
}
