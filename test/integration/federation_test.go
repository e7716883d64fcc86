package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

// mintFederated asks for a token for this server's own audience, so that
// the result can mint in turn.
func mintFederated(c versioned.Interface, seconds int64) (*staxv1.FederatedTokenRequest, error) {
	return c.StaxV1alpha1().FederatedTokenRequests("acme").Create(context.Background(), &staxv1.FederatedTokenRequest{
		Spec: staxv1.FederatedTokenRequestSpec{Audience: "stax.microstax.ai", ExpirationSeconds: ptr.To(seconds)},
	}, metav1.CreateOptions{})
}

// TestFederatedTokenChains: a token minted from a token never outlives it,
// carries its ancestors' jtis, is revoked with any of them, and chains stop
// at depth two.
func TestFederatedTokenChains(t *testing.T) {
	s := startInProcess(t, storeOnly)
	root, err := mintFederated(s.Client, 90)
	if err != nil {
		t.Fatal(err)
	}
	rootClient := tokenClient(t, s, root.Status.Token)
	child, err := mintFederated(rootClient, 600)
	if err != nil {
		t.Fatal(err)
	}
	if exp := child.Status.ExpirationTimestamp; exp.After(root.Status.ExpirationTimestamp.Time) {
		t.Errorf("a 600 s child of a 90 s token expires at %v, after its parent (%v)", exp, root.Status.ExpirationTimestamp)
	}
	if _, exp := tokenID(t, s, child.Status.Token); exp.After(root.Status.ExpirationTimestamp.Time) {
		t.Errorf("the child token's exp %v is after its parent's %v", exp, root.Status.ExpirationTimestamp)
	}
	grandchild, err := mintFederated(tokenClient(t, s, child.Status.Token), 600)
	if err != nil {
		t.Fatalf("a child of a child (depth 2): %v", err)
	}
	_, err = mintFederated(tokenClient(t, s, grandchild.Status.Token), 600)
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "depth") {
		t.Errorf("minting from a child of a child: want 403 naming the depth limit, got %v", err)
	}

	// Revoking the root revokes everything minted from it.
	rootJTI, rootExp := tokenID(t, s, root.Status.Token)
	revoke(t, s.Client, "acme", "root", rootJTI, rootExp)
	waitTokenAccepted(t, s, root.Status.Token, "acme", false)
	for name, tok := range map[string]string{"child": child.Status.Token, "grandchild": grandchild.Status.Token} {
		if _, err := tokenClient(t, s, tok).StaxV1alpha1().Environments("acme").List(context.Background(), metav1.ListOptions{}); !apierrors.IsUnauthorized(err) {
			t.Errorf("%s of a revoked token: want 401, got %v", name, err)
		}
	}
	if d := time.Until(rootExp.Time); d < 0 {
		t.Fatalf("the test outlived its 90 s root token by %s; its checks are void", -d)
	}
}

// TestFederatedTokenTooLargeRefused: the issuer refuses a token its own
// verifier would refuse (over 16 KiB) instead of handing out an unusable one.
func TestFederatedTokenTooLargeRefused(t *testing.T) {
	s := startInProcess(t, storeOnly)
	_, err := s.Client.StaxV1alpha1().FederatedTokenRequests("acme").Create(context.Background(), &staxv1.FederatedTokenRequest{
		Spec: staxv1.FederatedTokenRequestSpec{Audience: strings.Repeat("a", 12<<10)},
	}, metav1.CreateOptions{})
	if err == nil || !strings.Contains(err.Error(), "bytes") {
		t.Fatalf("a token over the verifiers' size limit: want refused saying its size, got %v", err)
	}
	if apierrors.IsInternalError(err) {
		t.Fatalf("a request too large for a token is the caller's error, not a 500: %v", err)
	}
}
