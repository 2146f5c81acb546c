/** A name as a Kubernetes/Grafana identifier part: lower case, runs of anything else as `-`. */
export const slug = (value: string) =>
  value.toLocaleLowerCase('en-US').replace(/[^a-z0-9-]+/g, '-');
