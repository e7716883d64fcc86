// Package diagnose finds why an environment is not Ready. Analyzers read
// plain observations (an Input: the environment's phase and conditions, and
// per service its health, restarts, last exit, recent log lines, events and
// dependencies) and return Findings; Run then tells root causes from their
// symptoms along the dependency graph, so that a crashing db that makes api
// fail is reported as db's finding, api's being its symptom.
//
// It holds no API machinery: pkg/registry/stax/environment gathers the
// Input and applies remediations; an optional Assistant explains findings
// in prose.
package diagnose
