package stax

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Secret holds values that blueprints reference (env[].valueFrom.secretRef)
// without spelling them out. Data is write-only: every answer of the API
// lists Keys instead; only the platform reads values, through the
// secrets/values subresource.
type Secret struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	// Data maps a key to its value. Write-only.
	Data map[string]string
	// Keys are the keys of Data, sorted; set by the server.
	Keys []string
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// SecretList is a list of Secrets.
type SecretList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []Secret
}
