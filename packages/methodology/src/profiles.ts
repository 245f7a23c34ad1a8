import type { MethodologyProfile } from "./estimate-types";

/** Version of the estimation code; the data pack name is appended in `methodologyVersion`. */
export const methodCodeVersion = "2.0.0";

/** Default hardware lifespan for embodied amortization (both profiles: 4 years = 35,040 h). */
export const defaultLifespanYears = 4;
export const hoursPerYear = 8760;

/**
 * What differs between the two methodology profiles. Everything else (formulas, units, defect
 * fixes) is shared.
 */
export type ProfileRules = {
  readonly name: MethodologyProfile;
  /** Which CPU coefficient set of the pack to use. */
  readonly cpuCoefficients: "canopy" | "ccf";
  /** Burstable instance types run at their documented baseline unless utilization is measured. */
  readonly burstableAtBaseline: boolean;
  /**
   * CCF's rule for AWS burstable types (t2/t3/t3a/t4g): vCPU-hours × baseline ÷ 50 %, at CCF's 50 %
   * utilization (ccf/aws_instance_types.csv `ccf_vcpu_hours_per_instance_hour`, t3.micro 0.4).
   */
  readonly burstableScalesVcpuHours: boolean;
  /**
   * T Unlimited surplus credits (`surplus-vcpu-hours`): `aboveBaseline` counts their CPU time at the
   * dynamic power only (max − min, the idle share is on the instance-hours line); `asVcpuHours`
   * counts them as ordinary vCPU-hours at 50 % (CCF: "CPUCredits = amount" vCPU-hours).
   */
  readonly surplusCpuCredits: "aboveBaseline" | "asVcpuHours";
  /**
   * Where PUE and grid intensity come from: `regional` = per-region, per-year data (GSF region
   * table, Electricity Maps zones); `ccf` = CCF's provider-wide PUE and per-region grid factors.
   */
  readonly siteData: "regional" | "ccf";
  /** Denominator of the embodied vCPU share: the physical host, or CCF's largest family size. */
  readonly embodiedHostVcpus: "host" | "familyLargest";
  /** Which kinds the service replication factors apply to (see replication-rules.json). */
  readonly replicationKinds: "canopyKinds" | "ccfKinds";
  /** Replicated compute (e.g. a Multi-AZ standby) also occupies hardware: multiply embodied too. */
  readonly replicateEmbodied: boolean;
  /** Separately billed GPUs get the per-GPU embodied increment (CCF: compute rows only). */
  readonly gpuRecordEmbodied: boolean;
};

export const profileRules: Readonly<Record<MethodologyProfile, ProfileRules>> = Object.freeze({
  canopy: Object.freeze({
    name: "canopy",
    cpuCoefficients: "canopy",
    burstableAtBaseline: true,
    burstableScalesVcpuHours: false,
    surplusCpuCredits: "aboveBaseline",
    siteData: "regional",
    embodiedHostVcpus: "host",
    replicationKinds: "canopyKinds",
    replicateEmbodied: true,
    gpuRecordEmbodied: true,
  }),
  ccf: Object.freeze({
    name: "ccf",
    cpuCoefficients: "ccf",
    burstableAtBaseline: false,
    burstableScalesVcpuHours: true,
    surplusCpuCredits: "asVcpuHours",
    siteData: "ccf",
    embodiedHostVcpus: "familyLargest",
    replicationKinds: "ccfKinds",
    replicateEmbodied: false,
    gpuRecordEmbodied: false,
  }),
});
