export {
  KinematicsEncoder,
  encodeKinematicsMessage,
  decodeKinematicsMessage,
  type KinematicsMessage,
  type LatencyUs,
  type KinematicsEncoderOptions,
  type KinematicsFrames,
} from './kinematics-codec';
export {
  KinematicsPublisher,
  type KinematicsPublisherOptions,
  type KinematicsPublisherStats,
} from './kinematics-publisher';
