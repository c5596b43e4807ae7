package seed

// The static part of the demo company "Acme": teams, services, SLOs, recurring
// incident themes and the risk register. Everything here is plain data in a
// fixed order, so generation never depends on map iteration.

type teamDef struct {
	name       string
	size       int     // engineers, for toil total hours
	ciSource   string  // github or gitlab
	leadTimeH  float64 // median commit→production lead time, hours
	incTrend   float64 // incident-rate change over the whole period (-0.4 = 40 % fewer by the end)
	toilFrom   float64 // toil ratio at the start of the period
	toilTo     float64 // toil ratio at the end of the period
	cfrFactor  float64 // multiplier on the chance that a deploy causes an incident
	people     []string
	thirdParty []string // external dependencies that show up in third-party incidents
}

var teams = []teamDef{
	{name: "payments", size: 7, ciSource: "github", leadTimeH: 20, incTrend: -0.35, toilFrom: 0.34, toilTo: 0.26, cfrFactor: 0.8,
		people:     []string{"Anna Schmidt", "Jonas Weber", "Lea Fischer", "Marco Rossi", "Sara Lindqvist"},
		thirdParty: []string{"Adyen", "Stripe", "PayPal"}},
	{name: "identity", size: 5, ciSource: "github", leadTimeH: 30, incTrend: 0, toilFrom: 0.30, toilTo: 0.30, cfrFactor: 0.9,
		people:     []string{"Emily Carter", "Daniel Brooks", "Olivia Chen", "Marcus Reed"},
		thirdParty: []string{"Twilio", "Okta", "Auth0"}},
	{name: "platform", size: 9, ciSource: "gitlab", leadTimeH: 48, incTrend: -0.2, toilFrom: 0.56, toilTo: 0.31, cfrFactor: 1.0,
		people:     []string{"Tom Becker", "Nina Kowalski", "Raj Patel", "Elena Petrova", "Felix Wagner", "Chloe Dubois"},
		thirdParty: []string{"AWS", "Cloudflare", "Datadog"}},
	{name: "search", size: 6, ciSource: "github", leadTimeH: 6, incTrend: 0.1, toilFrom: 0.24, toilTo: 0.22, cfrFactor: 1.0,
		people:     []string{"Wei Chen", "Priya Nair", "Kenji Tanaka", "Siti Rahman"},
		thirdParty: []string{"AWS OpenSearch", "Algolia"}},
	{name: "growth", size: 6, ciSource: "github", leadTimeH: 10, incTrend: 0.3, toilFrom: 0.38, toilTo: 0.46, cfrFactor: 1.15,
		people:     []string{"Lucas Martin", "Sofia Alvarez", "Jake Miller", "Hannah Kim"},
		thirdParty: []string{"SendGrid", "Braze", "Firebase"}},
	{name: "data", size: 5, ciSource: "gitlab", leadTimeH: 96, incTrend: -0.1, toilFrom: 0.52, toilTo: 0.38, cfrFactor: 1.2,
		people:     []string{"Oliver Hughes", "Amelia Scott", "Ravi Kumar"},
		thirdParty: []string{"Snowflake", "Fivetran", "AWS S3"}},
}

const (
	sloAvail = iota
	sloLatency
	sloOther
)

type sloDef struct {
	name string
	obj  float64
	kind int
	burn float64 // typical share of the daily error budget consumed on a quiet day
}

type svcDef struct {
	name, team, desc, tz string
	tier                 int
	deploysPerDay        float64 // production deploys per calendar day at scale 1
	incPerMonth          float64 // incidents per month not caused by a deploy, at scale 1
	pagesPerDay          float64 // standalone alerts per day at scale 1
	noisy                bool    // flappy alerting: most standalone pages auto-resolve unacknowledged
	traffic              float64 // SLI events per day
	weekend              float64 // weekend traffic relative to weekdays
	slos                 []sloDef
}

// services lists the catalogue. Tiers: 4×0, 6×1, 8×2, 6×3.
var services = []svcDef{
	// payments
	{name: "checkout", team: "payments", tier: 0, tz: "Europe/Berlin", deploysPerDay: 2.5, incPerMonth: 1.1, pagesPerDay: 0.45, traffic: 4.2e6, weekend: 1.25,
		desc: "Checkout flow: basket review, address, payment method selection and order placement.",
		slos: []sloDef{{"availability", 0.9999, sloAvail, 0.2}, {"latency p95 < 400ms", 0.99, sloLatency, 0.3}, {"order placement success", 0.999, sloOther, 0.25}}},
	{name: "payments-api", team: "payments", tier: 0, tz: "Europe/Berlin", deploysPerDay: 1.6, incPerMonth: 1.0, pagesPerDay: 0.4, traffic: 2.6e6, weekend: 1.2,
		desc: "Payment authorisation, capture and refunds; fronts the payment service providers.",
		slos: []sloDef{{"availability", 0.9999, sloAvail, 0.25}, {"latency p99 < 800ms", 0.99, sloLatency, 0.35}, {"authorisation success", 0.999, sloOther, 0.3}}},
	{name: "order-service", team: "payments", tier: 1, tz: "Europe/Berlin", deploysPerDay: 1.2, incPerMonth: 1.2, pagesPerDay: 0.3, traffic: 1.8e6, weekend: 1.2,
		desc: "Order lifecycle: creation, state machine, cancellations and order history.",
		slos: []sloDef{{"availability", 0.999, sloAvail, 0.2}, {"latency p95 < 300ms", 0.99, sloLatency, 0.25}}},
	{name: "billing-worker", team: "payments", tier: 2, tz: "Europe/Berlin", deploysPerDay: 0.4, incPerMonth: 1.4, pagesPerDay: 0.25, traffic: 3.5e5, weekend: 0.9,
		desc: "Asynchronous invoicing, dunning and subscription renewals (queue consumer).",
		slos: []sloDef{{"availability", 0.995, sloAvail, 0.15}}},
	{name: "fraud-scoring", team: "payments", tier: 2, tz: "Europe/London", deploysPerDay: 0.7, incPerMonth: 1.3, pagesPerDay: 0.25, traffic: 9.0e5, weekend: 1.2,
		desc: "Real-time fraud risk scoring of payment attempts (ML model behind a gRPC API).",
		slos: []sloDef{{"availability", 0.995, sloAvail, 0.2}, {"latency p99 < 150ms", 0.99, sloLatency, 0.45}}},
	{name: "invoice-pdf", team: "payments", tier: 3, tz: "Europe/Berlin", deploysPerDay: 0.12, incPerMonth: 0.8, pagesPerDay: 0.12, traffic: 6.0e4, weekend: 0.5,
		desc: "Renders invoices and credit notes to PDF and stores them for download.",
		slos: []sloDef{{"availability", 0.99, sloAvail, 0.15}}},
	// identity
	{name: "auth", team: "identity", tier: 0, tz: "America/New_York", deploysPerDay: 0.9, incPerMonth: 0.9, pagesPerDay: 0.4, traffic: 9.5e6, weekend: 0.95,
		desc: "OAuth2/OIDC token service: issues and validates access tokens for every API call.",
		slos: []sloDef{{"availability", 0.9999, sloAvail, 0.2}, {"latency p99 < 200ms", 0.995, sloLatency, 0.3}, {"token validation success", 0.9995, sloOther, 0.2}}},
	{name: "login-web", team: "identity", tier: 1, tz: "America/New_York", deploysPerDay: 2.0, incPerMonth: 1.0, pagesPerDay: 0.3, traffic: 1.1e6, weekend: 0.9,
		desc: "Login, sign-up, password reset and MFA enrolment web front end.",
		slos: []sloDef{{"availability", 0.999, sloAvail, 0.2}, {"latency p95 < 1s", 0.99, sloLatency, 0.3}}},
	{name: "user-profile", team: "identity", tier: 1, tz: "America/New_York", deploysPerDay: 0.8, incPerMonth: 0.9, pagesPerDay: 0.25, traffic: 3.1e6, weekend: 0.95,
		desc: "User profiles, addresses, preferences and GDPR export/delete requests.",
		slos: []sloDef{{"availability", 0.999, sloAvail, 0.15}, {"latency p95 < 250ms", 0.99, sloLatency, 0.2}}},
	{name: "session-store", team: "identity", tier: 2, tz: "UTC", deploysPerDay: 0.2, incPerMonth: 1.2, pagesPerDay: 0.3, traffic: 1.2e7, weekend: 0.95,
		desc: "Redis-backed session storage shared by web front ends.",
		slos: []sloDef{{"availability", 0.995, sloAvail, 0.1}}},
	// platform
	{name: "api-gateway", team: "platform", tier: 0, tz: "UTC", deploysPerDay: 0.6, incPerMonth: 1.0, pagesPerDay: 0.5, traffic: 2.4e7, weekend: 0.9,
		desc: "Public API edge: routing, rate limiting, authentication offload and TLS termination.",
		slos: []sloDef{{"availability", 0.9999, sloAvail, 0.2}, {"latency p99 < 100ms overhead", 0.995, sloLatency, 0.3}, {"rate-limit correctness", 0.999, sloOther, 0.1}}},
	{name: "secrets-vault", team: "platform", tier: 1, tz: "UTC", deploysPerDay: 0.15, incPerMonth: 0.5, pagesPerDay: 0.2, traffic: 4.0e5, weekend: 0.8,
		desc: "HashiCorp Vault cluster providing secrets, dynamic DB credentials and PKI.",
		slos: []sloDef{{"availability", 0.999, sloAvail, 0.1}, {"latency p99 < 50ms", 0.99, sloLatency, 0.15}}},
	{name: "ingress-controller", team: "platform", tier: 2, tz: "Asia/Singapore", deploysPerDay: 0.3, incPerMonth: 1.3, pagesPerDay: 7.5, noisy: true, traffic: 2.0e7, weekend: 0.9,
		desc: "Kubernetes ingress (NGINX) for the production clusters in eu-west-1 and us-east-1.",
		slos: []sloDef{{"availability", 0.995, sloAvail, 0.2}, {"latency p99 < 50ms", 0.99, sloLatency, 0.3}}},
	{name: "ci-runners", team: "platform", tier: 3, tz: "Europe/Berlin", deploysPerDay: 0.3, incPerMonth: 1.5, pagesPerDay: 0.2, traffic: 2.5e4, weekend: 0.2,
		desc: "Autoscaling CI runner fleet (spot instances) for GitHub Actions and GitLab CI.",
		slos: []sloDef{{"job start within 5 min", 0.99, sloOther, 0.4}}},
	// search
	{name: "search-api", team: "search", tier: 1, tz: "Asia/Singapore", deploysPerDay: 3.5, incPerMonth: 1.3, pagesPerDay: 0.35, traffic: 7.5e6, weekend: 1.15,
		desc: "Product search API: query parsing, ranking and faceting over the product index.",
		slos: []sloDef{{"availability", 0.999, sloAvail, 0.2}, {"latency p95 < 250ms", 0.99, sloLatency, 0.6}}},
	{name: "indexer", team: "search", tier: 2, tz: "Asia/Singapore", deploysPerDay: 0.8, incPerMonth: 1.4, pagesPerDay: 0.3, traffic: 2.0e5, weekend: 0.8,
		desc: "Consumes catalogue change events and keeps the search index fresh.",
		slos: []sloDef{{"index freshness < 10 min", 0.995, sloOther, 0.3}}},
	{name: "autocomplete", team: "search", tier: 2, tz: "Asia/Singapore", deploysPerDay: 1.5, incPerMonth: 0.9, pagesPerDay: 0.25, traffic: 1.6e7, weekend: 1.15,
		desc: "Type-ahead suggestions for the search box.",
		slos: []sloDef{{"availability", 0.995, sloAvail, 0.55}, {"latency p95 < 80ms", 0.99, sloLatency, 0.4}}},
	{name: "recommendations", team: "search", tier: 3, tz: "Asia/Singapore", deploysPerDay: 0.6, incPerMonth: 0.9, pagesPerDay: 0.15, traffic: 3.0e6, weekend: 1.2,
		desc: "\"Customers also bought\" and personalised product recommendations.",
		slos: []sloDef{{"availability", 0.99, sloAvail, 0.2}}},
	// growth
	{name: "notifications", team: "growth", tier: 1, tz: "America/Los_Angeles", deploysPerDay: 1.5, incPerMonth: 1.2, pagesPerDay: 0.3, traffic: 1.4e6, weekend: 0.85,
		desc: "Push, SMS and in-app notification fan-out with user preference checks.",
		slos: []sloDef{{"availability", 0.999, sloAvail, 0.2}, {"delivery within 60s", 0.99, sloOther, 0.35}}},
	{name: "email-sender", team: "growth", tier: 2, tz: "America/Los_Angeles", deploysPerDay: 0.5, incPerMonth: 1.5, pagesPerDay: 6.5, noisy: true, traffic: 8.0e5, weekend: 0.7,
		desc: "Transactional and campaign e-mail via SendGrid, with bounce and complaint handling.",
		slos: []sloDef{{"availability", 0.995, sloAvail, 0.25}, {"delivery within 5 min", 0.99, sloOther, 0.35}}},
	{name: "ab-testing", team: "growth", tier: 3, tz: "America/Los_Angeles", deploysPerDay: 2.2, incPerMonth: 0.7, pagesPerDay: 0.15, traffic: 5.0e6, weekend: 1.0,
		desc: "Experiment assignment and feature-flag evaluation service.",
		slos: []sloDef{{"availability", 0.99, sloAvail, 0.15}}},
	{name: "referral-web", team: "growth", tier: 3, tz: "America/Los_Angeles", deploysPerDay: 3.0, incPerMonth: 0.8, pagesPerDay: 0.12, traffic: 1.5e5, weekend: 1.1,
		desc: "Referral and promo-code landing pages.",
		slos: []sloDef{{"availability", 0.99, sloAvail, 0.2}}},
	// data
	{name: "event-pipeline", team: "data", tier: 2, tz: "Europe/London", deploysPerDay: 0.35, incPerMonth: 1.6, pagesPerDay: 0.35, traffic: 4.0e7, weekend: 0.95,
		desc: "Kafka-based clickstream and domain event pipeline feeding analytics and search.",
		slos: []sloDef{{"events delivered", 0.995, sloAvail, 0.2}, {"end-to-end lag < 5 min", 0.99, sloOther, 0.4}}},
	{name: "data-warehouse", team: "data", tier: 3, tz: "Europe/London", deploysPerDay: 0.12, incPerMonth: 1.1, pagesPerDay: 0.15, traffic: 2880, weekend: 1.0,
		desc: "Snowflake warehouse and nightly dbt models behind finance and product reporting.",
		slos: []sloDef{{"nightly models on time", 0.99, sloOther, 0.3}}},
}

// theme is a recurring incident pattern of one service: the same problem
// record or the same title template with varying hosts/ids/numbers.
type theme struct {
	title     string // template: {svc} service, {hex} pod hash, {n} small number, {ms} latency, {dep} third party
	category  string
	rootCause string
	perf      bool // mostly a latency problem
}

var themePool = []theme{
	{title: "Elevated 5xx on {svc} pod {svc}-{hex}", category: "application", rootCause: "Unhandled exception path under load returned HTTP 500."},
	{title: "DB connection pool exhausted on db-{n}", category: "database", rootCause: "Connection pool too small for peak traffic; slow queries held connections."},
	{title: "p99 latency above {ms}ms on {svc}", category: "performance", rootCause: "Inefficient query plan after data growth.", perf: true},
	{title: "OOMKilled pods in {svc}-worker-{n}", category: "capacity", rootCause: "Memory limit below working set after feature growth."},
	{title: "Kafka consumer lag on {svc}-events partition {n}", category: "capacity", rootCause: "Consumer group under-provisioned for the event rate."},
	{title: "Redis latency spike on cache-{n}", category: "database", rootCause: "Large keys evicted and rebuilt synchronously.", perf: true},
	{title: "Disk usage above 90% on {svc}-db-{n}", category: "capacity", rootCause: "Log and WAL retention not bounded."},
	{title: "Crash loop in {svc}-{hex} after config reload", category: "configuration", rootCause: "Invalid configuration accepted by the reload endpoint."},
	{title: "Timeouts calling {dep} from {svc}", category: "third-party", rootCause: "Upstream provider degradation; no circuit breaker."},
	{title: "Cron job {svc}-reconcile-{n} failed", category: "application", rootCause: "Batch job not idempotent; retried on partial data."},
	{title: "TLS handshake errors on {svc}.acme.com", category: "network", rootCause: "Certificate chain mismatch after rotation."},
	{title: "Elevated error rate from {svc} in {region}", category: "infrastructure", rootCause: "Single availability zone degraded; traffic not shifted."},
}

// oneOffs are titles of incidents that do not recur.
var oneOffs = []theme{
	{title: "Partial outage of {svc} in {region}", category: "infrastructure", rootCause: "Cloud provider network partition in one AZ."},
	{title: "Feature flag misconfiguration disabled {svc} functionality", category: "configuration", rootCause: "Flag targeting rule applied to all users."},
	{title: "Expired TLS certificate on {svc}.acme.com", category: "configuration", rootCause: "Certificate renewal job silently failing."},
	{title: "DNS resolution failures for {svc}", category: "network", rootCause: "CoreDNS pods evicted during node rotation."},
	{title: "Node pool exhaustion in cluster prod-{n}", category: "capacity", rootCause: "Cluster autoscaler hit the instance quota."},
	{title: "Data inconsistency in {svc} after schema migration", category: "database", rootCause: "Backfill ran before the dual-write was enabled."},
	{title: "Rate limiter rejecting valid traffic on {svc}", category: "configuration", rootCause: "Limits copied from staging."},
	{title: "{dep} outage affecting {svc}", category: "third-party", rootCause: "Provider-wide outage."},
	{title: "Degraded {dep} API responses for {svc}", category: "third-party", rootCause: "Provider rate-limited our account after a traffic spike."},
	{title: "Slow responses from {svc} during traffic spike", category: "performance", rootCause: "Autoscaling reacted too slowly to a marketing push.", perf: true},
	{title: "Memory leak in {svc} after library upgrade", category: "application", rootCause: "HTTP client connections not closed."},
	{title: "Queue backlog in {svc}", category: "capacity", rootCause: "Poison message blocked a partition."},
}

// deployTitles are titles of incidents caused by a change.
var deployTitles = []string{
	"Errors after release {ver} of {svc}",
	"{svc} latency regression after deploy {ver}",
	"Elevated 5xx on {svc} pod {svc}-{hex}",
	"Broken {svc} endpoint after {ver}",
	"Migration in {ver} locked table on {svc}-db-{n}",
	"Config change in {ver} broke {svc} health checks",
}

var regions = []string{"eu-west-1", "eu-central-1", "us-east-1", "ap-southeast-1"}

var alertNames = []string{
	"HighErrorRate {svc}",
	"Latency p99 above threshold: {svc}",
	"CPU > 90% on {svc} node ip-10-{n}-{n}-{n}",
	"Disk space low on {svc}-db-{n}",
	"Synthetic check failed: {svc}",
	"Pod restarts > 5 in 10m: {svc}-{hex}",
	"Queue depth high: {svc}",
	"Heartbeat missing: {svc}-worker-{n}",
}

var noisyAlertNames = []string{
	"[FLAPPING] 502 rate above 1% on {svc}",
	"Upstream connect error spike on {svc}",
	"Bounce rate above threshold: {svc}",
	"Queue depth high: {svc}",
	"Health check flapping: {svc}-{hex}",
}

var actionTitles = []string{
	"Add alert on {thing} for {svc}",
	"Write runbook for {thing} on {svc}",
	"Add circuit breaker around {dep} calls in {svc}",
	"Increase connection pool and add saturation dashboard for {svc}",
	"Automate failover test for {svc}",
	"Add canary analysis to {svc} deploy pipeline",
	"Load test {svc} at 2x peak traffic",
	"Add integration test covering {thing}",
	"Make {svc} reconcile job idempotent",
	"Review memory limits and HPA settings for {svc}",
	"Move {svc} config validation into CI",
	"Document escalation path for {dep} incidents",
}

var things = []string{"connection saturation", "queue lag", "error budget burn", "certificate expiry", "disk growth", "retry storms", "cache hit ratio", "pod restarts"}

type riskDef struct {
	title, desc, category, mitigation string
	services                          []string
	team                              string
	likelihood, impact                int
	status                            string
	rationale                         string
	createdFrac                       float64 // position of created_at within the generated period
	targetDays                        int     // target_date = created + targetDays
	reviewOverdue                     bool    // next_review_date before End
	linkIncidents                     int     // how many of the linked services' sev1/sev2 incidents to attach
}

var risks = []riskDef{
	{title: "Single-AZ primary database for payments", category: "single point of failure", team: "payments", likelihood: 3, impact: 5, status: "mitigating",
		desc:       "The payments PostgreSQL primary runs in eu-central-1a only; an AZ failure means a full payments outage until manual restore.",
		mitigation: "Migrate to a Multi-AZ cluster with automatic failover; quarterly failover drill.",
		services:   []string{"payments-api", "checkout"}, createdFrac: 0.08, targetDays: 240, linkIncidents: 2},
	{title: "Single payment service provider (Adyen) for card payments", category: "dependency", team: "payments", likelihood: 2, impact: 5, status: "open",
		desc:       "All card traffic goes through one PSP; a provider outage stops checkout.",
		mitigation: "Integrate Stripe as secondary PSP with automatic routing on error rate.",
		services:   []string{"checkout", "payments-api"}, createdFrac: 0.3, targetDays: 300, reviewOverdue: true, linkIncidents: 1},
	{title: "Manual TLS certificate rotation on the API edge", category: "change safety", team: "platform", likelihood: 4, impact: 4, status: "closed",
		desc:       "Edge certificates are renewed by hand from a wiki checklist.",
		mitigation: "cert-manager with ACME and expiry alerting at 21 days.",
		services:   []string{"api-gateway"}, createdFrac: 0.05, targetDays: 90},
	{title: "No load test before seasonal peak", category: "capacity", team: "payments", likelihood: 3, impact: 4, status: "mitigating",
		desc:       "Checkout and search have never been tested above 1.3x normal peak; Black Friday traffic reaches 3x.",
		mitigation: "Quarterly load tests at 3x peak in a production-like environment.",
		services:   []string{"checkout", "search-api"}, createdFrac: 0.45, targetDays: 120},
	{title: "No alerting on event-pipeline backlog", category: "observability gap", team: "data", likelihood: 4, impact: 3, status: "open",
		desc:       "Consumer lag is only visible on a dashboard; stale data in reporting is noticed by finance first.",
		mitigation: "Lag-based SLO with burn-rate alerts.",
		services:   []string{"event-pipeline", "data-warehouse"}, createdFrac: 0.55, targetDays: 60, linkIncidents: 1},
	{title: "Session store is a single Redis instance", category: "single point of failure", team: "identity", likelihood: 2, impact: 5, status: "open",
		desc:       "All web sessions live in one Redis primary without replica promotion.",
		mitigation: "Redis Sentinel or managed Multi-AZ cache with replica promotion.",
		services:   []string{"session-store", "auth", "login-web"}, createdFrac: 0.62, targetDays: 150, linkIncidents: 1},
	{title: "User-profile database backups never restore-tested", category: "DR/backup", team: "identity", likelihood: 2, impact: 5, status: "mitigating",
		desc:       "Nightly snapshots exist but no restore has been exercised; RTO unknown.",
		mitigation: "Monthly automated restore into an isolated account with data checks.",
		services:   []string{"user-profile"}, createdFrac: 0.25, targetDays: 180, reviewOverdue: true},
	{title: "Shared admin credentials for the legacy billing console", category: "security", team: "payments", likelihood: 3, impact: 4, status: "mitigating",
		desc:       "Four engineers share one admin login; no audit trail of refunds issued there.",
		mitigation: "SSO with per-user roles; retire the shared account.",
		services:   []string{"billing-worker"}, createdFrac: 0.35, targetDays: 90},
	{title: "Bus factor of one for the search indexer", category: "people/process", team: "search", likelihood: 3, impact: 3, status: "accepted",
		desc:      "Only one engineer understands the indexer's partial re-index logic.",
		rationale: "Indexer is scheduled for replacement by the managed pipeline; cross-training deferred until then.",
		services:  []string{"indexer"}, createdFrac: 0.4, targetDays: 200},
	{title: "E-mail provider rate limits during campaigns", category: "dependency", team: "growth", likelihood: 4, impact: 2, status: "accepted",
		desc:      "Large campaigns hit SendGrid's per-second limit and delay transactional mail.",
		rationale: "Transactional mail moved to a separate IP pool; remaining delay on campaigns is acceptable to marketing.",
		services:  []string{"email-sender", "notifications"}, createdFrac: 0.2, targetDays: 120, reviewOverdue: true, linkIncidents: 1},
	{title: "Friday-afternoon deploys without canary", category: "change safety", team: "platform", likelihood: 3, impact: 3, status: "closed",
		desc:       "Gateway and login changes went straight to 100% of traffic, often late in the week.",
		mitigation: "Progressive delivery with automated canary analysis; deploy freeze policy.",
		services:   []string{"api-gateway", "login-web"}, createdFrac: 0.15, targetDays: 100, linkIncidents: 1},
	{title: "CI runners on spot instances without on-demand fallback", category: "capacity", team: "platform", likelihood: 4, impact: 2, status: "open",
		desc:       "Spot reclaim waves stall all pipelines, including hotfixes.",
		mitigation: "Mixed instance policy with an on-demand base capacity for release pipelines.",
		services:   []string{"ci-runners"}, createdFrac: 0.7, targetDays: 45},
}

var vpEngineering = "Katrin Vogel"
