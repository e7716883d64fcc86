package organization

import (
	"context"
	"fmt"
	"strings"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/auth"
)

// adminFieldsByAdmins refuses a change of the price sheet or the record
// retention by anyone but the organization's admins and the platform. The
// organization-scope authorizer already keeps members' tokens from
// updating an Organization; this holds the rule where RBAC decides (the
// aggregated mode) too.
func adminFieldsByAdmins(ctx context.Context, org, old *stax.Organization) error {
	u, ok := genericapirequest.UserFrom(ctx)
	if ok && (auth.IsPlatformPrincipal(u) || auth.IsOrganizationAdmin(u, org.Name)) {
		return nil
	}
	var changed []string
	if !apiequality.Semantic.DeepEqual(org.Spec.Pricing, old.Spec.Pricing) {
		changed = append(changed, "spec.pricing")
	}
	if !apiequality.Semantic.DeepEqual(org.Spec.RecordRetention, old.Spec.RecordRetention) {
		changed = append(changed, "spec.recordRetention")
	}
	if len(changed) == 0 {
		return nil
	}
	return apierrors.NewForbidden(stax.Resource("organizations"), org.Name,
		fmt.Errorf("%s may be changed by the organization's admins only", strings.Join(changed, ", ")))
}
