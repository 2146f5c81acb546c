// Istio's API module, for the CustomResourceDefinitions Istio installs (see ../build.sh).
// Nothing imports it, so `go mod tidy` would drop the requirement: edit this file by hand.
module blue-green.local/control-plane/istio

go 1.24.0

require istio.io/api v1.31.4
