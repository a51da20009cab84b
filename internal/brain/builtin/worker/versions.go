package worker

// The versions the Cloudflare Workers specialist writes, with where each
// came from. The pin table (internal/pins) has no Cloudflare action, so the
// deploy workflow runs the pinned Wrangler with npx instead of
// cloudflare/wrangler-action.
const (
	// wranglerVersion is the Wrangler release the deploy workflow and
	// package.json pin.
	wranglerVersion = "4.164.0"
	// wranglerSource says where wranglerVersion was read.
	wranglerSource = "npm registry, `npm view wrangler version` = 4.164.0 (dist-tag latest, published 2026-11-17T11:15:02Z, shasum 03f1fbd2fc7eb46490ce59e17de59b42550a4b33), read 2026-11-26"
	// workerCompatDate is the compatibility_date of new Workers: the
	// newest date the workerd runtime bundled with wranglerVersion
	// supports, so that local dev and the edge agree.
	workerCompatDate = "2026-11-17"
	// workerCompatSource says where workerCompatDate was read.
	workerCompatSource = "the date of workerd 1.20261117.1, the runtime wrangler@4.164.0 depends on (npm view wrangler@4.164.0 dependencies.workerd)"
)
