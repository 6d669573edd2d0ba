package logsearch

import "github.com/logsearch/logsearch/infra/logsearch/logsearchtest"

// mockPresharedKey starts both tunnels' mock pre-shared keys (the mocks'
// answer for a VPN connection), so tests can look for them anywhere they
// must not be.
const mockPresharedKey = logsearchtest.PresharedKeyPrefix
