package stax

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is the API group of MicroStax.
const GroupName = "stax.microstax.ai"

// SchemeGroupVersion is the internal version, used only inside the server.
var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: runtime.APIVersionInternal}

// Kind qualifies a kind with the group.
func Kind(kind string) schema.GroupKind {
	return SchemeGroupVersion.WithKind(kind).GroupKind()
}

// Resource qualifies a resource with the group.
func Resource(resource string) schema.GroupResource {
	return SchemeGroupVersion.WithResource(resource).GroupResource()
}

var (
	// SchemeBuilder collects the functions that add this group's types to a scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)
	// AddToScheme adds the internal types to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion,
		&Environment{},
		&EnvironmentList{},
		&Organization{},
		&OrganizationList{},
		&IdentityReview{},
		&FederatedTokenRequest{},
		&EnvironmentRecord{},
		&EnvironmentRecordList{},
		&TokenRevocation{},
		&TokenRevocationList{},
		&Secret{},
		&SecretList{},
		&EnvironmentLogOptions{},
		&EnvironmentAction{},
		&Baseline{},
		&BaselineList{},
		&OverlayRequest{},
		&OrganizationUsageOptions{}, &OrganizationUsage{},
		&ComplianceReportOptions{}, &ComplianceReport{},
		&Stub{}, &StubList{}, &StubDocumentChunk{}, &StubDocumentChunkList{},
		&Diagnosis{},
		&EnvironmentDiff{}, &EnvironmentDiffList{}, &EnvironmentDiffOptions{},
	)
	return nil
}
