// The webhook plugin: webhook_sink, which POSTs rows as JSON over HTTP. Registration only.
#include <trestle/sdk.hpp>

#include "webhook_sink.hpp"

TRESTLE_PLUGIN("webhook", "1.0.0", trestle_webhook::WebhookSink)
