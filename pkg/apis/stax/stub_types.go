package stax

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Stub is a service stub generated from an OpenAPI document (3.0, 3.1 or
// Swagger 2.0; JSON or YAML), served by stax-stub. The document is either
// inline in spec.document or uploaded to stubs/{name}/document, which
// stores it in chunks; the server parses it and lists in status what it
// found.
type Stub struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	Spec   StubSpec
	Status StubStatus
}

// StubSpec is what a client asks for.
type StubSpec struct {
	// Document is the OpenAPI document inline, for one small enough to go
	// in a request; a larger one is uploaded to stubs/{name}/document and
	// this stays empty.
	Document string
	// Seed makes generated values differ between stubs; each stub's values
	// are deterministic.
	Seed int64
	// Stateful makes the stub answer a GET with what a POST or PUT stored.
	Stateful bool
}

// StubPhase is where a Stub is.
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
	Phase StubPhase
	// Message says why the document did not parse.
	Message string
	// Title and DocumentVersion are the document's info.title and its
	// openapi (or swagger) version.
	Title           string
	DocumentVersion string
	// Document locates the stored document.
	Document StubDocument
	// OperationCount counts every operation; Operations lists them, cut at
	// MaxStubOperations.
	OperationCount int32
	Operations     []StubOperation
	// WarningCount and ErrorCount count every issue; Warnings and Errors
	// list them, cut at MaxStubIssues each.
	WarningCount int32
	Warnings     []StubIssue
	ErrorCount   int32
	Errors       []StubIssue
}

// StubDocument describes the stored document.
type StubDocument struct {
	// SizeBytes is the size in bytes, and Digest "sha256:" and the hex of
	// its SHA-256. (Not "Size": the protobuf encoding's Size method.)
	SizeBytes int64
	Digest    string
	// Chunks is how many chunk objects hold an uploaded document (0 for an
	// inline one).
	Chunks int32
}

// StubOperation is one method on one path of the document.
type StubOperation struct {
	Method      string
	Path        string
	OperationID string
}

// StubIssue is a problem of the document, located by a JSON pointer.
type StubIssue struct {
	Pointer string
	Message string
}

// Bounds of a Stub's status lists, so a huge document's status stays a
// small object.
const (
	MaxStubOperations = 2000
	MaxStubIssues     = 200
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// StubList is a list of Stubs.
type StubList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []Stub
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// StubDocumentChunk is one piece of an uploaded document, stored beside
// its Stub so no etcd request carries more than a chunk. It is storage
// only: no resource serves it.
type StubDocumentChunk struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	// Stub names the Stub; Index counts the chunk from 0.
	Stub  string
	Index int32
	Data  []byte
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// StubDocumentChunkList is a list of chunks.
type StubDocumentChunkList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []StubDocumentChunk
}
