// Package kubernetes is the runtime.Runtime that runs environments as
// Deployments and Services on a target cluster, through client-go.
//
// Contract:
//
//   - Each environment gets a namespace named by NamespaceName: "stax-<org>-<env>",
//     or, when that is longer than 63 characters, its first 54 characters
//     and "-" and 8 hex digits of a SHA-256 of org and env. The namespace
//     carries the labels below; Apply refuses a namespace of that name that
//     belongs to another environment.
//   - Every object carries the labels stax.microstax.ai/organization and
//     stax.microstax.ai/environment and app.kubernetes.io/managed-by=stax;
//     Deployments, their pods and Services also stax.microstax.ai/service.
//     A Deployment selects its pods by all three stax labels.
//   - Per service: a Deployment and, when it has ports, a ClusterIP Service,
//     both named after the service. One container, named after the service,
//     runs Image with Command and Args; a service without Image is refused
//     for the whole plan. A stub service runs the stax-stub image instead,
//     with its credential Secret mounted (stub.go). Its environment is the contract of
//     runtime.Environ with the declared ports: the blueprint Env, then PORT
//     (the first port), PORT_<NAME> (each named port),
//     <DEP>_URL=http://<dep>.<ns>.svc:<port> for each dependency with
//     ports, STAX_ORGANIZATION, STAX_ENVIRONMENT and STAX_SERVICE (no
//     STAX_REPLICA: a Deployment's pods are alike). Requests and limits come
//     parsed in the plan. The
//     health check becomes a readiness probe (httpGet or tcpSocket on the
//     probed port, periodSeconds, failureThreshold). Unlike the local
//     runtime, services start without waiting for their dependencies.
//   - Apply uses server-side apply with field manager "stax-runtime" and
//     deletes the Deployments and Services of services no longer in the
//     plan. The plan's service order is kept in the namespace annotation
//     stax.microstax.ai/services for Status.
//   - Stop scales every Deployment to zero and records its replica count in
//     its annotation stax.microstax.ai/replicas. The next Apply restores the
//     recorded count (not the plan's, so that a manual scale survives a
//     pause) and drops the annotation.
//   - Status reads Deployments and pods: Desired is spec.replicas, Ready
//     readyReplicas, Restarts the sum of container restart counts. Health is
//     Stopped when scaled to zero by Stop; Healthy when ready >= desired > 0;
//     Unhealthy when a container waits or ended for a failure reason
//     (CrashLoopBackOff, ImagePullBackOff, Error, ...), which becomes Reason;
//     Waiting otherwise. Endpoint is <svc>.<ns>.svc:<first port>. A missing
//     namespace is runtime.ErrNotFound.
//   - Logs streams pod logs with time stamps; replica i of a service is its
//     i-th pod in name order. Several pods are merged, each line prefixed
//     with "<pod> ": by time stamp when not following, as they come when
//     following.
//   - Delete deletes the namespace; the cluster removes the rest.
//   - An overlay (a plan with Baseline) gets only its own services in its
//     namespace, which carries the annotation stax.microstax.ai/baseline;
//     <DEP>_URL of a service it shares is
//     http://<dep>.<baseline ns>.svc:<port>. Before each baseline Service
//     it changes, Apply places a router (router.go: a ConfigMap of routes,
//     a stax-router Deployment, a Service to the baseline's own pods, and
//     the baseline Service's selector switched to the router). Delete of an
//     overlay first removes its routes; the last one out removes the router.
//   - An overlay's shadow (runtime.ShadowPlan) places, for each shadowed HTTP
//     service, stax-shadow between the router and the baseline's pods
//     (shadow.go: a primary Service, a secondary copied from the baseline's
//     Deployment, a diff writer's credential Secret from Config.DiffAccess,
//     the stax-shadow Deployment, and the router's direct Service switched
//     to it). Turning it off, Stop and Delete of the overlay restore the
//     direct Service and delete the rest.
//   - Drift (runtime.DriftDetector) compares each service's Deployment and
//     Service with what Apply writes: spec.replicas ("replicas", not for a
//     Deployment Stop scaled), the container's image, command and args,
//     environment (a Secret's variable by name only) and ports, the
//     Service's ports, and a Deployment or Service that is gone
//     ("missing"). Remediate is Apply: the forced server-side apply takes
//     back what another field manager changed. RecordDrift writes a core/v1
//     Event on the Deployment (Warning "Drifted", Normal "DriftRemediated",
//     source stax-drift) in the environment's namespace.
package kubernetes
