package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Stub is a service stub generated from an OpenAPI document (3.0, 3.1 or
// Swagger 2.0; JSON or YAML), served by stax-stub. The document is either
// inline in spec.document or uploaded to stubs/{name}/document, which
// stores it in chunks; the server parses it and lists in status what it
// found.
type Stub struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// +optional
	Spec StubSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// +optional
	Status StubStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// StubSpec is what a client asks for.
type StubSpec struct {
	// Document is the OpenAPI document inline, for one small enough to go
	// in a request; a larger one is uploaded to stubs/{name}/document and
	// this stays empty.
	// +optional
	Document string `json:"document,omitempty" protobuf:"bytes,1,opt,name=document"`
	// Seed makes generated values differ between stubs; each stub's values
	// are deterministic.
	// +optional
	Seed int64 `json:"seed,omitempty" protobuf:"varint,2,opt,name=seed"`
	// Stateful makes the stub answer a GET with what a POST or PUT stored.
	// +optional
	Stateful bool `json:"stateful,omitempty" protobuf:"varint,3,opt,name=stateful"`
}

// StubPhase is where a Stub is: Pending (no document yet), Ready, or
// Invalid (see status.message and status.errors).
type StubPhase string

const (
	// StubPending waits for its document to be uploaded.
	StubPending StubPhase = "Pending"
	// StubReady has a document that parsed without errors.
	StubReady StubPhase = "Ready"
	// StubInvalid has a document that did not parse, or broke the
	// specification (status.errors); stax-stub serves the latter anyway.
	StubInvalid StubPhase = "Invalid"
)

// StubStatus is what the server found in the document.
type StubStatus struct {
	// +optional
	Phase StubPhase `json:"phase,omitempty" protobuf:"bytes,1,opt,name=phase,casttype=StubPhase"`
	// Message says why the document did not parse.
	// +optional
	Message string `json:"message,omitempty" protobuf:"bytes,2,opt,name=message"`
	// Title is the document's info.title.
	// +optional
	Title string `json:"title,omitempty" protobuf:"bytes,3,opt,name=title"`
	// DocumentVersion is the document's openapi (or swagger) version.
	// +optional
	DocumentVersion string `json:"documentVersion,omitempty" protobuf:"bytes,4,opt,name=documentVersion"`
	// Document locates the stored document.
	// +optional
	Document StubDocument `json:"document,omitempty" protobuf:"bytes,5,opt,name=document"`
	// OperationCount counts every operation of the document.
	// +optional
	OperationCount int32 `json:"operationCount,omitempty" protobuf:"varint,6,opt,name=operationCount"`
	// Operations lists them, cut at 2000.
	// +optional
	// +listType=atomic
	Operations []StubOperation `json:"operations,omitempty" protobuf:"bytes,7,rep,name=operations"`
	// WarningCount counts what the stub works around.
	// +optional
	WarningCount int32 `json:"warningCount,omitempty" protobuf:"varint,8,opt,name=warningCount"`
	// Warnings lists them, cut at 200.
	// +optional
	// +listType=atomic
	Warnings []StubIssue `json:"warnings,omitempty" protobuf:"bytes,9,rep,name=warnings"`
	// ErrorCount counts the document's violations of the specification.
	// +optional
	ErrorCount int32 `json:"errorCount,omitempty" protobuf:"varint,10,opt,name=errorCount"`
	// Errors lists them, cut at 200.
	// +optional
	// +listType=atomic
	Errors []StubIssue `json:"errors,omitempty" protobuf:"bytes,11,rep,name=errors"`
}

// StubDocument describes the stored document.
type StubDocument struct {
	// Size of the document in bytes.
	// ---
	// Its Go name is not Size: the protobuf encoding's Size method has it.
	// +optional
	SizeBytes int64 `json:"size,omitempty" protobuf:"varint,1,opt,name=size"`
	// Digest of the document, "sha256:" and the hex of its SHA-256.
	// +optional
	Digest string `json:"digest,omitempty" protobuf:"bytes,2,opt,name=digest"`
	// Chunks is how many chunk objects hold an uploaded document (0 for an
	// inline one).
	// +optional
	Chunks int32 `json:"chunks,omitempty" protobuf:"varint,3,opt,name=chunks"`
}

// StubOperation is one method on one path of the document.
type StubOperation struct {
	Method string `json:"method" protobuf:"bytes,1,opt,name=method"`
	Path   string `json:"path" protobuf:"bytes,2,opt,name=path"`
	// +optional
	OperationID string `json:"operationID,omitempty" protobuf:"bytes,3,opt,name=operationID"`
}

// StubIssue is a problem of the document, located by a JSON pointer
// (RFC 6901; empty for the whole document).
type StubIssue struct {
	// +optional
	Pointer string `json:"pointer,omitempty" protobuf:"bytes,1,opt,name=pointer"`
	Message string `json:"message" protobuf:"bytes,2,opt,name=message"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// StubList is a list of Stubs.
type StubList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	Items []Stub `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// StubDocumentChunk is one piece of an uploaded document, stored beside
// its Stub so no etcd request carries more than a chunk. It is storage
// only: no resource serves it.
type StubDocumentChunk struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Stub names the Stub.
	Stub string `json:"stub" protobuf:"bytes,2,opt,name=stub"`
	// Index counts the chunk from 0.
	Index int32 `json:"index" protobuf:"varint,3,opt,name=index"`
	// Data is the chunk's bytes.
	Data []byte `json:"data" protobuf:"bytes,4,opt,name=data"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// StubDocumentChunkList is a list of chunks.
type StubDocumentChunkList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	Items []StubDocumentChunk `json:"items" protobuf:"bytes,2,rep,name=items"`
}
