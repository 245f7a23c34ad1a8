import { electricityMapsDatasetNotice } from "@canopy/jobs/grid-dataset";

/** Shown wherever dataset-file values appear (ODbL asks for attribution). */
export const gridDatasetNoticeBody = {
  licence: electricityMapsDatasetNotice.licence,
  attribution: electricityMapsDatasetNotice.attribution,
  url: electricityMapsDatasetNotice.url,
};
