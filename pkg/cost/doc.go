// Package cost is the arithmetic of MicroStax's usage and cost, with no API
// machinery: a price sheet, the resources a run segment held, folding
// segments into daily buckets, aggregation over a window, series by step,
// and forecasts. Records, the environment controller and the usage
// subresource all use it, so that a figure is computed in one place.
//
// The model is OpenCost's allocation: cost = requests × hours × price.
// Requests, not observed use, are what a replica reserves; stopped time
// holds nothing and costs nothing.
package cost
