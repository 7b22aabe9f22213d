// Package junit writes JUnit XML, the subset GitHub Actions and GitLab CI
// render as test reports: one testsuite per group, one testcase per check, a
// <failure> or <skipped/> where one applies.
//
// It is shared by the reports that go to CI systems: conform's, certify's,
// coverage's and the proxy's. It does not read JUnit files.
//
// Files: junit.go.
package junit
