// Package local is the runtime.Runtime that runs every replica of a
// service as a supervised process on this host. It needs Linux (process
// groups, Pdeathsig, /proc). See docs/local-runtime.md for the long form.
//
// Contract:
//
//   - Each replica runs Command followed by Args; Image is ignored. A
//     service without Command is not started and reports Health Unhealthy,
//     Reason "NoCommand". A stub service (Stub) runs Config.StubBinary
//     with runtime.StubArgs and a kubeconfig written before each start
//     from Config.StubAccess (stub.go); without them Reason "NoStubBinary"
//     or "NoStubAccess". Apply refuses a whole plan that
//     runtime.Plan.Validate refuses (names that are not DNS-1123 labels or
//     appear twice, unknown or cyclic dependencies, a health check without
//     port, period or threshold, or on an unknown port).
//   - The working directory is <DataDir>/envs/<org>/<env>/work, shared by
//     the environment's replicas. <DataDir>/envs/<org>/<env>/state.json
//     keeps the last plan and front ports for a resume.
//   - Every replica gets one free 127.0.0.1 port per declared port (the
//     declared numbers are ignored): PORT is the first, PORT_<NAME> each
//     named one (upper case, "-" as "_").
//   - Each service with ports has a stable front address 127.0.0.1:<port>,
//     a round-robin TCP proxy to the first port of its ready replicas. It is
//     the Endpoint in Status, keeps its port across replacements, Stop and
//     (when still free) a server restart, and is given to each dependent as
//     <SERVICE>_URL=http://127.0.0.1:<port>. A connection made while no
//     replica is ready waits up to 5s for one.
//   - A first port with AppProtocol "http" gets pkg/front's HTTP-aware
//     front instead: per request, keep-alive, streaming, routing by key.
//     An overlay's own services are routed on its baseline's fronts under
//     the overlay's name (overlay.go).
//   - Environment: PATH, HOME, USER, LANG, TZ and TMPDIR of the server,
//     then the contract of runtime.Environ: the blueprint Env, then PORT*,
//     <DEP>_URL, STAX_ORGANIZATION, STAX_ENVIRONMENT, STAX_SERVICE and
//     STAX_REPLICA; later ones win.
//   - A service starts only when all its dependencies are Healthy (every
//     replica ready); meanwhile Health is Waiting, Reason
//     "WaitingForDependencies". A dependency that fails later does not stop
//     its dependents.
//   - Readiness: with a health check, an HTTP GET of HTTPPath (2xx or 3xx)
//     or a TCP connect on the probed port, every Period (default 10s). Until
//     its first success a replica is probed at intervals doubling from 10ms
//     to 100ms (at most Period), and is Unhealthy
//     (Reason "ProbeFailed") if none succeeded within Period ×
//     FailureThreshold (default 3). Once ready, FailureThreshold failures in
//     a row make it unready; it is not restarted for that. Without a health
//     check a replica is ready once its process has run for 1s.
//   - A process that exits is restarted after a back-off of 100ms doubling
//     to 10s, reset once a process ran 30s; each restart counts in
//     Restarts. While a replica is down or up for less than 30s after an
//     exit, Health is Unhealthy, Reason "CrashLoop", Message e.g. "exited
//     with code 3; restarted 2 times".
//   - Output (stdout and stderr) goes to <DataDir>/logs/<org>/<env>/
//     <service>-<replica>.log, each line prefixed with an RFC3339Nano time,
//     capped at 5 MiB and rotated once to .1. Logs returns the stored lines
//     (time stamp kept), prefixed with "<service>-<replica> " when the
//     selection may span replicas, merged by time; Follow polls every 100ms.
//   - Processes run in their own process group with Pdeathsig SIGKILL,
//     started from one goroutine locked to its OS thread so that they die
//     with the server and only then. Stop, Delete, replacement and Close
//     send SIGTERM to the group and SIGKILL after StopGrace (default 5s).
//     Each group leader is recorded under <DataDir>/run; New kills the
//     groups a previous server left.
//   - Stop keeps files and front ports; Apply of the same plan resumes.
//     Delete also removes the working directory, state and logs. Close
//     stops every environment and keeps their files.
//   - Drift (runtime.DriftDetector) compares each running replica with
//     what the runtime started: /proc/<pid>/cmdline against Command and
//     Args ("command"), /proc/<pid>/environ against the environment above
//     ("env"; secret variables by name only), and the owner of the TCP
//     listener on each of its ports, which must be in the replica's process
//     group ("ports"). A replica between a crash and its restart, a
//     stopped environment and a service whose plan is not applied yet
//     report nothing. Remediate starts a new generation of each drifted
//     service (fresh ports, restart counts from zero, the same front).
package local
