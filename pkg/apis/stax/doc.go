// +k8s:deepcopy-gen=package
// +groupName=stax.microstax.ai

// Package stax holds the internal (hub) types of the stax.microstax.ai API.
// Storage strategies and validation work on these; every served version
// converts to and from them.
package stax
