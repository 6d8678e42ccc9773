// Evaluated in the benchmarked page: when the app's script started and each resource's span.
() => ({
  app: window.loadedAt,
  resources: performance.getEntriesByType("resource")
    .filter((e) => !e.name.startsWith("data:"))
    .map((e) => [e.name.replace(/^.*\/(embed\/[^/]+\/)?/, "").replace(/\?.*$/, ""), e.startTime, e.responseEnd]),
})
