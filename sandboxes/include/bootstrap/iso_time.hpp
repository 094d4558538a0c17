// The time now as ISO 8601 in UTC ("2026-12-02T19:50:00Z"): what reports, records, images and
// journals stamp themselves with.
#pragma once

#include <string>

namespace bootstrap {

std::string iso_now();

}  // namespace bootstrap
