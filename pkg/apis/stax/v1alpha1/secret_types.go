package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +genclient:method=GetValues,verb=get,subresource=values
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Secret holds values that blueprints reference (env[].valueFrom.secretRef)
// without spelling them out. Data is write-only: every answer of the API
// (get, list, watch, the answers of writes, tables) omits it and lists keys
// instead; only the platform reads values, through the secrets/values
// subresource. An update without data keeps the stored values; data: {}
// removes them all. With kubectl, name it secrets.stax.microstax.ai: the
// core secrets resource wins the short form.
type Secret struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Data maps a key (as a Kubernetes Secret key) to its value. Write-only.
	// +optional
	Data map[string]string `json:"data,omitempty" protobuf:"bytes,2,rep,name=data"`
	// Keys are the keys of data, sorted; set by the server.
	// +optional
	// +listType=atomic
	Keys []string `json:"keys,omitempty" protobuf:"bytes,3,rep,name=keys"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// SecretList is a list of Secrets.
type SecretList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	Items []Secret `json:"items" protobuf:"bytes,2,rep,name=items"`
}
