import { electricityMapsDatasetNotice } from "@canopy/connectors/electricitymaps";

/** Shown wherever dataset-file values appear (ODbL asks for attribution). */
export const gridDatasetNoticeBody = {
  licence: electricityMapsDatasetNotice.licence,
  attribution: electricityMapsDatasetNotice.attribution,
  url: electricityMapsDatasetNotice.url,
};
