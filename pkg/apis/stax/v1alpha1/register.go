package v1alpha1

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is the API group of MicroStax.
const GroupName = "stax.microstax.ai"

// SchemeGroupVersion is the group and version of this package's types.
var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: "v1alpha1"}

var (
	// SchemeBuilder collects the functions that add this version to a scheme.
	SchemeBuilder      runtime.SchemeBuilder
	localSchemeBuilder = &SchemeBuilder
	// AddToScheme adds this version's types, defaults and conversions to a scheme.
	AddToScheme = localSchemeBuilder.AddToScheme
)

func init() {
	// Hand-written functions only; the generated ones register themselves
	// from their own files, so this package compiles without them.
	localSchemeBuilder.Register(addKnownTypes, addDefaultingFuncs, addFieldLabelConversions)
}

// Resource qualifies a resource with the group.
func Resource(resource string) schema.GroupResource {
	return SchemeGroupVersion.WithResource(resource).GroupResource()
}

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
	metav1.AddToGroupVersion(scheme, SchemeGroupVersion)
	return nil
}

// addFieldLabelConversions lists, per kind, the fields a field selector may
// name; each registry's GetAttrs must offer the same set (its tests check).
// Kinds not listed here take metav1's default, metadata.name and
// metadata.namespace.
func addFieldLabelConversions(scheme *runtime.Scheme) error {
	for kind, labels := range map[string][]string{
		"Environment":       {"metadata.name", "metadata.namespace", "status.phase", "spec.baselineRef.name"},
		"EnvironmentRecord": {"metadata.name", "metadata.namespace", "environment"},
		"Baseline":          {"metadata.name", "metadata.namespace", "spec.environmentRef.name"},
		// Cluster-scoped: no namespace to select on.
		"Organization": {"metadata.name"},
	} {
		if err := scheme.AddFieldLabelConversionFunc(SchemeGroupVersion.WithKind(kind), fieldLabels(labels...)); err != nil {
			return err
		}
	}
	return nil
}

// fieldLabels accepts the given labels as they are and refuses any other.
func fieldLabels(labels ...string) runtime.FieldLabelConversionFunc {
	return func(label, value string) (string, string, error) {
		for _, l := range labels {
			if l == label {
				return label, value, nil
			}
		}
		return "", "", fmt.Errorf("field label not supported: %s", label)
	}
}
