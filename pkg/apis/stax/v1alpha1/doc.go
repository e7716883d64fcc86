// +k8s:openapi-gen=true
// +k8s:deepcopy-gen=package
// +k8s:protobuf-gen=package
// +k8s:conversion-gen=github.com/microstax/stax/pkg/apis/stax
// +k8s:defaulter-gen=TypeMeta
// +groupName=stax.microstax.ai
// +k8s:openapi-model-package=ai.microstax.stax.v1alpha1

// Package v1alpha1 is the v1alpha1 version of the stax.microstax.ai API: the
// wire form that clients read and write.
package v1alpha1
