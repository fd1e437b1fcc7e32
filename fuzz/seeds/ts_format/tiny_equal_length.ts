# two channels, equal length
@problemName Tiny
@timeStamps false
@missing false
@univariate false
@dimensions 2
@equalLength true
@seriesLength 4
@classLabel true walk run
@data
0.1,0.2,0.3,0.4:1.0,1.1,1.2,1.3:walk
-1,?,2.5e-1,NaN:0,0,0,0:run
