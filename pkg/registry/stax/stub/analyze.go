package stub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/stub"
)

// analyze parses a document and says in a status what it holds: its
// operations, the warnings of preparing every default answer (an example
// its schema rejects), and its errors. chunks is how many chunk objects
// hold it (0 inline). A document that does not parse at all gets phase
// Invalid and the reason in status.message, which the callers refuse.
func analyze(ctx context.Context, data []byte, chunks int32) stax.StubStatus {
	sum := sha256.Sum256(data)
	st := stax.StubStatus{Document: stax.StubDocument{SizeBytes: int64(len(data)), Digest: "sha256:" + hex.EncodeToString(sum[:]), Chunks: chunks}}
	d, err := stub.Parse(ctx, data)
	if err != nil {
		st.Phase, st.Message = stax.StubInvalid, err.Error()
		return st
	}
	if _, err := stub.NewServer(d, stub.Options{}); err != nil {
		st.Phase, st.Message = stax.StubInvalid, err.Error()
		return st
	}
	st.Title, st.DocumentVersion = d.Spec.Info.Title, d.SourceVersion
	st.OperationCount = int32(len(d.Operations))
	for i, op := range d.Operations {
		if i == stax.MaxStubOperations {
			break
		}
		st.Operations = append(st.Operations, stax.StubOperation{Method: op.Method, Path: op.Path, OperationID: op.OperationID})
	}
	st.WarningCount, st.Warnings = int32(len(d.Warnings)), issues(d.Warnings)
	st.ErrorCount, st.Errors = int32(len(d.Errors)), issues(d.Errors)
	st.Phase = stax.StubReady
	if len(d.Errors) > 0 {
		st.Phase = stax.StubInvalid
		st.Message = "the document breaks the OpenAPI specification (status.errors); the stub serves it as it is"
	}
	return st
}

func issues(in []stub.Issue) []stax.StubIssue {
	var out []stax.StubIssue
	for i, is := range in {
		if i == stax.MaxStubIssues {
			break
		}
		out = append(out, stax.StubIssue{Pointer: is.Pointer, Message: is.Message})
	}
	return out
}
